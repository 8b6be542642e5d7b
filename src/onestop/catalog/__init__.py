"""Units (the organisation tree), procedures and their versions, step budgets, calendar days."""
