"""Users, roles, unit scope, API clients, tokens and the audit log."""
