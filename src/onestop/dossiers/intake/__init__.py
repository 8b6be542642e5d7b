"""Intake: a counter or portal dossier checked, given its due instant and code, and written once
(idempotency keys, group commit on PostgreSQL)."""
