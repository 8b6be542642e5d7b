"""onestop: one-stop counter service for Vietnamese administrative-procedure dossiers."""

__version__ = "0.1.0"
