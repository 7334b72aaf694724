"""Local simulators of the Manage and QBO APIs."""
