"""Integration: what leaves onestop for other systems — the changes feed, the outbox and its
delivery worker, the national portal (DVCQG) sync and the applicant notifications (e-mail, SMS).

The dossier event log is the transactional outbox (docs/rules.md, "Integration: the event log is
the outbox"): every change of a dossier already writes a ``dossier_event`` row in its own
transaction, so nothing here adds a write to the intake or action paths. ``feed`` reads those rows
in commit order; ``relay`` keeps each destination's position in it and turns the events it must
hear about into ``outbox_message`` rows; ``forward`` sends the new ones at once and writes each
with its outcome; ``delivery`` sends those that wait (failed, or behind an earlier one of their
dossier), in order per dossier, with retries and dead letters."""
