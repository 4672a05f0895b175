"""Where a running stack says how to reach it: ``make run`` (``vigil run``) writes one
small JSON file while it runs and removes it when it stops, so ``vigil alerts``,
``vigil tail`` and ``vigil status`` find the stack without flags.

The files live in ``$VIGIL_RUNTIME_DIR`` (default ``$XDG_RUNTIME_DIR/vigil``, else
``<temp dir>/vigil-<uid>``), one per running stack, named by its process id. A file whose
process is gone (a stack killed with SIGKILL) is ignored and removed by the next reader.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RunState:
    pid: int
    bootstrap: str
    topic_prefix: str
    app_id_prefix: str
    started_at: float
    console_url: str | None = None
    services: dict[str, str] = field(default_factory=dict)
    """service -> its base URL (``/metrics``, ``/healthz``, ``/readyz`` below it)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RunState:
        data = json.loads(text)
        return cls(
            pid=int(data["pid"]),
            bootstrap=str(data["bootstrap"]),
            topic_prefix=str(data.get("topic_prefix") or ""),
            app_id_prefix=str(data.get("app_id_prefix") or "vigil"),
            started_at=float(data.get("started_at") or 0.0),
            console_url=data.get("console_url"),
            services={str(k): str(v) for k, v in (data.get("services") or {}).items()},
        )


def runtime_dir() -> Path:
    explicit = os.environ.get("VIGIL_RUNTIME_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        return Path(xdg) / "vigil"
    return Path(tempfile.gettempdir()) / f"vigil-{os.getuid()}"


def state_path(pid: int, directory: Path | None = None) -> Path:
    return (directory or runtime_dir()) / f"stack-{pid}.json"


def write(state: RunState, directory: Path | None = None) -> Path:
    """Write ``state`` atomically (readers never see half a file); returns its path."""
    path = state_path(state.pid, directory)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(state.to_json(), encoding="utf-8")
    temporary.replace(path)
    return path


def remove(pid: int, directory: Path | None = None) -> None:
    with contextlib.suppress(FileNotFoundError):
        state_path(pid, directory).unlink()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def running(directory: Path | None = None) -> list[RunState]:
    """The stacks running now, the most recently started first (files of stacks whose
    process is gone are removed)."""
    found = []
    folder = directory or runtime_dir()
    for path in sorted(folder.glob("stack-*.json")) if folder.is_dir() else []:
        try:
            state = RunState.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError):
            continue
        if alive(state.pid):
            found.append(state)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return sorted(found, key=lambda s: s.started_at, reverse=True)
