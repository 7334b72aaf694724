"""``python -m cwqbo.demo``: what ``make demo`` runs."""

import sys

from cwqbo.demo.command import main

sys.exit(main())
