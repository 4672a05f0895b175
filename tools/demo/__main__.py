"""``python -m tools.demo``: same as ``vigil run``."""

import sys

from tools.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
