#!/usr/bin/env bash
# Autogenerates an Alembic revision against a scratch PostgreSQL database migrated to head.
# Usage: scripts/new-migration.sh "message"
set -euo pipefail
URL=${ONESTOP_MIGRATION_PG_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/onestop_autogen}
DB=${URL##*/}
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "CREATE DATABASE \"$DB\""
ONESTOP_DATABASE_URL=$URL .venv/bin/alembic upgrade head
ONESTOP_DATABASE_URL=$URL .venv/bin/alembic revision --autogenerate -m "$1"
.venv/bin/ruff format -q migrations/versions
.venv/bin/ruff check --fix -q migrations/versions || true
