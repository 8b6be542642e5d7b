"""Apology drafts: an officer drafts the apology (Form 04), the issuing unit's leader signs or
returns it."""
