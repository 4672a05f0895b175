"""Container healthcheck: exit 0 when this service's metrics endpoint answers.

Every Vigil service serves ``/metrics`` on ``VIGIL_HTTP_PORT``; a service whose HTTP
server answers has finished start-up. Standard library only (the slim image has no curl).
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    port = os.environ.get("VIGIL_HTTP_PORT", "")
    if not port.isdigit() or int(port) == 0:
        print("VIGIL_HTTP_PORT must be a fixed port in a container", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        print(f"metrics endpoint not answering: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
