"""On-time rates: early / on time / late per dossier, the rollups that keep the sums exact, and the
on-time report."""
