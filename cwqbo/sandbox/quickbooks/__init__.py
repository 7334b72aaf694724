"""Local simulator of the QuickBooks Online Accounting API and Intuit OAuth."""

from .app import create_sandbox_app, serve_in_thread
from .state import KNOBS, SandboxState

__all__ = ["KNOBS", "SandboxState", "create_sandbox_app", "serve_in_thread"]
