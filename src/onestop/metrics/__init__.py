"""Worklists (due soon, overdue), alerts, on-time rates, satisfaction and national reports."""
