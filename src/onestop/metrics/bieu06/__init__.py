"""Biểu 06/VPCP/KSTT, the periodic national report: which column each dossier falls in, its
rollups, the report and its exports."""
