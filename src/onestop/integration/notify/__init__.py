"""Notifications to applicants: two outbox destinations, ``email`` (SMTP) and ``sms`` (an HTTP
gateway), each active when its settings are set.

They hear about four moments of a dossier — its receipt, a supplement request, an apology with a
new appointment, its result — and only for dossiers whose applicant gave that contact. The text
is rendered when the message is sent, from the event it is for (``content``), in Vietnamese, with
as little personal data as serves: the dossier code, dates and what to do, no name, ID number or
address. Contacts are read decrypted from the dossier at that moment and never logged or kept in
an error (``destination``).
"""
