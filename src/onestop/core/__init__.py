"""The ground every package stands on: settings, database, errors, the clock, migrations, caching,
paging and log context. Knows no HTTP and no domain."""
