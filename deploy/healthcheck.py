"""Container healthcheck: exit 0 when this service is ready, 1 otherwise.

``python healthcheck.py [PATH]`` asks ``http://127.0.0.1:$VIGIL_HTTP_PORT/PATH``
(default ``/readyz``: broker reachable, consumer group joined, tables recovered; see
services/common/health.py) and passes on a 200. ``/healthz`` asks only whether the
process answers. On failure it prints why (the service's own answer, which names the
check that failed), which ``docker inspect`` shows. Standard library only (the slim
image has no curl).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_PATH = "/readyz"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = args[0] if args else DEFAULT_PATH
    port = os.environ.get("VIGIL_HTTP_PORT", "")
    if not port.isdigit() or int(port) == 0:
        print("VIGIL_HTTP_PORT must be a fixed port in a container", file=sys.stderr)
        return 1
    url = f"http://127.0.0.1:{port}/{path.lstrip('/')}"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:  # 503: answering, not ready
        print(f"{url}: {exc.code} {exc.read().decode('utf-8', 'replace')}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{url} not answering: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
