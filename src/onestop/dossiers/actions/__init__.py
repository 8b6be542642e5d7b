"""The legal actions on a received dossier, one handler module per group (reception, processing,
apology), and the registry that dispatches them."""
