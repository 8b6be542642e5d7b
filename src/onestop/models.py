"""Imports every package's models so Alembic and test fixtures see the whole schema."""

from onestop.auth import models as auth_models
from onestop.catalog import models as catalog_models
from onestop.db import Base

__all__ = ["Base", "auth_models", "catalog_models"]
