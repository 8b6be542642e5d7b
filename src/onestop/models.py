"""The whole schema: every package's tables on one ``Base.metadata``, for Alembic and the test
fixtures. It only names the model modules; nothing here changes behaviour (the rollup hooks are
attached in ``onestop.wiring``)."""

from onestop.auth import models as auth_models
from onestop.catalog import models as catalog_models
from onestop.core.db import Base
from onestop.documents import models as document_models
from onestop.dossiers import models as dossier_models
from onestop.dossiers.actions.apology import models as apology_models
from onestop.integration import models as integration_models
from onestop.integration.webhooks import models as webhook_models
from onestop.metrics import models as metrics_models
from onestop.metrics.alerts import models as alert_models
from onestop.metrics.bieu06 import models as bieu06_models
from onestop.metrics.index766 import models as index766_models
from onestop.metrics.ontime import models as ontime_models
from onestop.metrics.satisfaction import models as satisfaction_models

MODEL_MODULES = (
    auth_models,
    catalog_models,
    dossier_models,
    apology_models,
    document_models,
    integration_models,
    webhook_models,
    metrics_models,
    alert_models,
    bieu06_models,
    index766_models,
    ontime_models,
    satisfaction_models,
)

__all__ = ["MODEL_MODULES", "Base"]
