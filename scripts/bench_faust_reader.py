"""A minimal Faust agent that counts the records of one topic (benchmark baseline).

    python scripts/bench_faust_reader.py BOOTSTRAP TOPIC COUNT

Same settings as Vigil's workers where they matter (raw serializers, fast-join session
timeouts, in-memory store) but no decoding and no output: the rate Faust itself allows.
Prints one JSON line ``{"count": n, "seconds": s}`` on stdout once ``COUNT`` records were
seen (seconds from the first record to the last) and keeps running until stopped by PID.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from typing import Any

import faust

from tools.broker import LOOPBACK, free_port


def main(bootstrap: str, topic: str, expected: int) -> None:
    port = free_port()
    app = faust.App(
        f"bench-faust-reader-{uuid.uuid4().hex[:8]}",
        broker=f"kafka://{bootstrap}",
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="vigil-bench-faust-"),
        broker_session_timeout=2,
        broker_heartbeat_interval=0.5,
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=False,
        web_bind=LOOPBACK,
        web_host=LOOPBACK,
        web_port=port,
        topic_replication_factor=1,
    )
    source = app.topic(topic)

    @app.agent(source, name="count_records")
    async def count_records(stream: Any) -> None:
        count, first = 0, 0.0
        async for _event in stream.events():
            if count == 0:
                first = time.perf_counter()
            count += 1
            if count == expected:
                seconds = time.perf_counter() - first
                print(json.dumps({"count": count, "seconds": seconds}), flush=True)

    worker = faust.Worker(app, loglevel="WARNING", redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
