"""Decision 766: indicators computed from the dossiers, and evaluation indicators people score."""
