"""Documents of dossiers: storage (local directory, S3-compatible), content checks, the
components handed in and the electronic results."""
