"""Write (or, with ``--check``, compare) the published contracts generated from the models:
the JSON Schemas ``schemas/json/<name>.v<schema_version>.schema.json`` and the AsyncAPI
document ``schemas/asyncapi.yaml``.

python -m schemas.generate          # regenerate (refuses a breaking change)
python -m schemas.generate --check  # exit 1 on drift or on a breaking change

A breaking change (schemas/COMPATIBILITY.md, ``schemas.compat.breaking_changes``) is
checked against the committed file and against every revision of it in git history
that was published under the policy (carries ``$id``); it is refused unless the model's
``schema_version`` is bumped, which starts a new file (the old one stays, frozen, for
the consumers of the old version).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from schemas import Alert, ClassifiedIncident, DeadLetter, IncidentReport, LinkDecision, asyncapi
from schemas.compat import (
    JSON,
    breaking_changes,
    file_name,
    published_schema,
    render,
    schema_version,
)

OUT = Path(__file__).parent / "json"
ASYNCAPI = Path(__file__).parent / "asyncapi.yaml"
ROOT = Path(__file__).resolve().parents[1]
MODELS: dict[str, type[BaseModel]] = {
    "incident_report": IncidentReport,
    "classified_incident": ClassifiedIncident,
    "alert": Alert,
    "dead_letter": DeadLetter,
    "link_decision": LinkDecision,
}
"""Published name -> model (one per topic payload)."""
_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.schema\.json$")


def outputs() -> dict[Path, str]:
    """Every generated file and its text."""
    files = {
        OUT / file_name(name, schema_version(model)): render(published_schema(model, name))
        for name, model in MODELS.items()
    }
    versions = {name: schema_version(model) for name, model in MODELS.items()}
    files[ASYNCAPI] = asyncapi.render(asyncapi.build_document(versions))
    return files


def history(path: Path) -> Iterator[tuple[str, JSON]]:
    """Each committed revision of ``path`` published under the compatibility policy
    (it carries ``$id``), newest first. Nothing without git or outside a repository."""
    rel = path.relative_to(ROOT).as_posix()
    try:
        log = subprocess.run(
            ["git", "-C", str(ROOT), "log", "--format=%h", "--", rel],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return
    seen: set[str] = set()
    for commit in log.stdout.split():
        shown = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:{rel}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if shown.returncode != 0 or shown.stdout in seen:
            continue  # deleted in that commit, or the same text as a newer revision
        seen.add(shown.stdout)
        schema = json.loads(shown.stdout)
        if "$id" in schema:
            yield f"commit {commit}", schema


def contract_problems(
    name: str, model: type[BaseModel], directory: Path = OUT, with_history: bool = True
) -> list[str]:
    """What the model's published schema breaks for the consumers of the same
    ``schema_version``: against the file in ``directory`` and its git history."""
    path = directory / file_name(name, schema_version(model))
    new = published_schema(model, name)
    baselines: list[tuple[str, JSON]] = []
    if path.exists():
        baselines.append(("the committed file", json.loads(path.read_text(encoding="utf-8"))))
    if with_history:
        baselines += [(w, s) for w, s in history(path) if all(s != b for _, b in baselines)]
    problems = []
    for where, old in baselines:
        problems += [f"{path.name} vs {where}: {line}" for line in breaking_changes(old, new)]
    return list(dict.fromkeys(problems))


def stale_files(directory: Path = OUT) -> list[Path]:
    """Schema files no model produces: neither a current version nor an older version of
    a current model (those stay, frozen, for their consumers)."""
    current = {name: schema_version(model) for name, model in MODELS.items()}
    stale = []
    for path in sorted(directory.glob("*.json")):
        match = _FILE.match(path.name)
        if (
            match is None
            or match["name"] not in current
            or int(match["version"]) > current[match["name"]]
        ):
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if files differ")
    args = parser.parse_args(argv)
    breaking = [line for name, model in MODELS.items() for line in contract_problems(name, model)]
    if breaking:
        print(
            "incompatible change of a published schema (schemas/COMPATIBILITY.md): make it "
            "compatible, or bump the model's schema_version:\n  " + "\n  ".join(breaking)
        )
        return 1
    files = outputs()
    if args.check:
        drifted = [
            str(path.relative_to(ROOT))
            for path, text in files.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text
        ]
        drifted += [f"{path.relative_to(ROOT)} (no model writes it)" for path in stale_files()]
        if drifted:
            print(
                "generated files drifted from the models (run `make schemas`): "
                + ", ".join(drifted)
            )
            return 1
        return 0
    OUT.mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
