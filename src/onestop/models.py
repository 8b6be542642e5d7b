"""Imports every package's models so Alembic and test fixtures see the whole schema."""

from onestop.auth import models as auth_models
from onestop.catalog import models as catalog_models
from onestop.db import Base
from onestop.dossiers import models as dossier_models
from onestop.dossiers import models_apology as dossier_apology_models  # issue 6
from onestop.metrics import bieu06_rollup as metrics_bieu06_rollup  # issue 7: Biểu 06 rollups
from onestop.metrics import models_alerts as metrics_alert_models  # issue 6
from onestop.metrics import models_bieu06 as metrics_bieu06_models  # issue 7
from onestop.metrics import models_reports as metrics_report_models  # issue 7
from onestop.metrics import rollup as metrics_rollup  # issue 7: keeps the on-time rollups exact

__all__ = ["Base", "auth_models", "catalog_models", "dossier_models"]
__all__ += ["dossier_apology_models", "metrics_alert_models"]  # issue 6
__all__ += ["metrics_report_models", "metrics_rollup"]  # issue 7
__all__ += ["metrics_bieu06_models", "metrics_bieu06_rollup"]  # issue 7
