"""ConnectWise Manage REST client (requests only, never Flask)."""

from .client import CompanyInfo, ManageClient, ManageCredentials
from .errors import (
    ManageAuthError,
    ManageBadRequest,
    ManageConnectionError,
    ManageDiscoveryError,
    ManageError,
    ManageNotFound,
    ManagePermissionError,
    ManageRateLimited,
    ManageResponseError,
    ManageServerError,
    ManageUnknownCompany,
)
from .transport import RetryPolicy

__all__ = [
    "CompanyInfo",
    "ManageAuthError",
    "ManageBadRequest",
    "ManageClient",
    "ManageConnectionError",
    "ManageCredentials",
    "ManageDiscoveryError",
    "ManageError",
    "ManageNotFound",
    "ManagePermissionError",
    "ManageRateLimited",
    "ManageResponseError",
    "ManageServerError",
    "ManageUnknownCompany",
    "RetryPolicy",
]
