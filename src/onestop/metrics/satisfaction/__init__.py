"""Citizens' satisfaction: one rating per dossier, follow-up of "không hài lòng", and the
satisfaction report."""
