"""Demo mode (spec I2): ``make demo`` (``python -m cwqbo.demo``) runs cwqbo wired to the two
local sandboxes. ``command`` starts the sandboxes and the app; ``seed`` prepares the demo's
database (an admin, the Manage connection, a configuration connected through the sandbox's
consent page)."""
