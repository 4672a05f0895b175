"""``vigil``: one command line for the whole toolbox.

Each subcommand lives with the code it drives: a module exposing
``register(subparsers)`` that adds its parser and sets ``func`` (returns an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from services.common.version import version

SUBCOMMAND_MODULES = (
    "tools.demo.cli",
    "tools.importers.cli",
    "services.extractor.cli",
    "tools.deadletters.cli",
    "tools.replay.cli",
    "services.notifier.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vigil",
        description="Vigil: conflict incident reports in, trustworthy alerts out. "
        "Each command has its own --help.",
    )
    parser.add_argument("--version", action="version", version=f"vigil {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
