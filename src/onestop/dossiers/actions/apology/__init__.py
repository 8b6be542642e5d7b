"""The apology (Form 04): its letter, the new appointment, and the rule that a late dossier needs
one before it is finished or returned."""
