"""SQLAlchemy models, one module per aggregate."""

from cwqbo.models.audit import AuditEntry, SupportRequest
from cwqbo.models.autosync import AutoSyncSetting, ParkedTransaction
from cwqbo.models.batch import Batch, BatchAction, BatchLog, BatchTransaction
from cwqbo.models.connection import ManageConnection
from cwqbo.models.options import ConfigurationOptions, TaxMapping
from cwqbo.models.pairing import Pairing
from cwqbo.models.payment import PaymentLink, PaymentSyncSetting
from cwqbo.models.qbo import QBOConfiguration
from cwqbo.models.stats import STATS_INDEXES  # noqa: F401  (register indexes)
from cwqbo.models.task import TaskRun
from cwqbo.models.user import Invitation, Role, User

__all__ = [
    "AuditEntry",
    "AutoSyncSetting",
    "Batch",
    "BatchAction",
    "BatchLog",
    "BatchTransaction",
    "ConfigurationOptions",
    "Invitation",
    "ManageConnection",
    "Pairing",
    "ParkedTransaction",
    "PaymentLink",
    "PaymentSyncSetting",
    "QBOConfiguration",
    "Role",
    "SupportRequest",
    "TaskRun",
    "TaxMapping",
    "User",
]
