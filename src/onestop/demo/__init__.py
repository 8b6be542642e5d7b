"""A demo province for `make run` (demo only: known passwords, illustrative catalog)."""
