"""The command line of a generated file: ``--write`` regenerates it from the code,
``--check`` exits 1 when the committed file drifted (``make check-generated``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path


def write_or_check(
    argv: list[str] | None, doc: str | None, files: Mapping[Path, Callable[[], str]], how: str
) -> int:
    """``files``: each generated file and what renders it; ``how``: the command that
    regenerates them, named in the drift message."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", action="store_true", help="write the generated file(s)")
    group.add_argument("--check", action="store_true", help="exit 1 if a file drifted")
    args = parser.parse_args(argv)
    drifted = 0
    for path, render in files.items():
        text = render()
        if args.write:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path} drifted from the code that generates it: run `{how}`")
            drifted += 1
    return 1 if drifted else 0
