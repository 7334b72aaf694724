"""The option tabs of a QBO configuration (spec C7), registered with the tab frame."""

from cwqbo.web.settings.options import autosync, common, simple, taxes  # noqa: F401
