"""Dossiers: intake, codes, the national state machine, steps, supplements and the event history."""
