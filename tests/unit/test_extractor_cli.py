"""``vigil extract``: output formats and clear errors (no broker needed)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from services.extractor import cli

STORY = "AMMAN, Dec 2 - At least 25 people were killed in Idlib on Dec 1, the White Helmets said.\n"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["extract", *argv])
    code: int = args.func(args)
    return code


def test_jsonl_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "story.txt"
    path.write_text(STORY, encoding="utf-8")
    assert run(str(path), "--reported-at", "2024-12-02T10:00:00+00:00") == 0
    [line] = capsys.readouterr().out.splitlines()
    report = json.loads(line)
    assert report["casualties"]["killed"] == {"qualifier": "at_least", "value": 25}
    assert run(str(path), "--reported-at", "2024-12-02", "--format", "table") == 0
    assert "SYR/Idlib" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"), [(None, "cannot read"), (b"\xff\xfe", "not UTF-8")]
)
def test_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "in.txt"
    if content is not None:
        path.write_bytes(content)
    assert run(str(path)) == 2
    assert message in capsys.readouterr().err
