"""The officers' and managers' worklists: overdue, due soon, and steps past their budget, as JSON
pages and exports."""
