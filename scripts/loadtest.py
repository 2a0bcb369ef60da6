"""Entry point kept for `make loadtest`; the load test lives in the scripts/loadtest package."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.loadtest.cli import main

if __name__ == "__main__":
    main()
