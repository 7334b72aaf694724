"""RQ worker process: builds the app once and works every cwqbo queue in its context."""

import sys

from cwqbo import create_app
from cwqbo.jobs.worker import run_worker

if __name__ == "__main__":
    run_worker(create_app(), burst="--burst" in sys.argv[1:])
