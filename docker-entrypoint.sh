#!/bin/sh
# Upgrades the schema (Alembic) and starts Uvicorn; ONESTOP_DATABASE_URL selects the database.
set -e
: "${ONESTOP_DATABASE_URL:?set ONESTOP_DATABASE_URL, e.g. postgresql+asyncpg://user:pass@db/onestop}"
onestop migrate
exec onestop serve --host 0.0.0.0 --port "${PORT:-8000}" --workers "${ONESTOP_WORKERS:-4}"
