"""Local simulator of the ConnectWise Manage REST API (demo mode and integration tests)."""

from .app import create_sandbox_app, sandbox_faults, serve_in_thread
from .faults import Faults
from .state import ManageState

__all__ = ["Faults", "ManageState", "create_sandbox_app", "sandbox_faults", "serve_in_thread"]
