"""The worklist job: due-soon, overdue and late-again alerts and "apology needed" tasks, run by
`onestop worker`."""
