"""Private names of faust-streaming, mode and aiokafka are used in one module only,
``services/common/faust_internals.py``. ruff's SLF001 (pyproject.toml) catches
``obj._name`` elsewhere; this test catches what SLF001 cannot see: importing a private
name, and a subclass of their classes (outside the seam) that overrides one of their
private methods or reads a private attribute it inherits through ``self``."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SEAM = ROOT / "services" / "common" / "faust_internals.py"
THEIRS = ("faust", "mode", "aiokafka")


def sources() -> Iterator[Path]:
    for folder in ("services", "schemas", "scripts", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != SEAM:
                yield path


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def theirs(module: str) -> bool:
    return module.split(".")[0] in THEIRS


def imported_names(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, attribute or None for a module import)."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
    return names


def resolve_base(expr: ast.expr, names: dict[str, tuple[str, str | None]]) -> type | None:
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.insert(0, expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in names:
        return None
    module, attribute = names[expr.id]
    obj: object = importlib.import_module(module)
    for part in ([attribute] if attribute else []) + parts:
        if isinstance(obj, ModuleType) and not hasattr(obj, part):
            obj = importlib.import_module(f"{obj.__name__}.{part}")  # a submodule
        else:
            obj = getattr(obj, part, None)
    return obj if isinstance(obj, type) else None


def their_privates(cls: type) -> set[str]:
    """Private names defined by faust/mode/aiokafka classes in ``cls``'s MRO."""
    out: set[str] = set()
    for klass in cls.__mro__:
        if theirs(klass.__module__):
            out |= {n for n in vars(klass) if private(n)}
    return out


def violations(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = imported_names(tree)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and theirs(node.module):
            for alias in node.names:
                if private(alias.name) or any(private(p) for p in node.module.split(".")):
                    yield f"{where}:{node.lineno} imports {node.module}.{alias.name}"
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [b for b in (resolve_base(e, names) for e in node.bases) if b is not None]
        if not any(theirs(k.__module__) for b in bases for k in b.__mro__):
            continue
        inherited = set().union(*(their_privates(b) for b in bases))
        own = {n.name for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        for name in sorted(own & inherited):
            yield f"{where}:{node.lineno} {node.name} overrides {name}"
        assigned = {
            t.attr
            for n in ast.walk(node)
            if isinstance(n, ast.Assign | ast.AnnAssign)
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
        }
        for n in ast.walk(node):
            if (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id == "self"
                and private(n.attr)
                and n.attr not in assigned | own
            ):
                yield f"{where}:{n.lineno} {node.name} reads inherited self.{n.attr}"


def test_no_private_faust_or_aiokafka_name_outside_the_seam() -> None:
    found = [v for path in sources() for v in violations(path)]
    assert not found, "move these into services/common/faust_internals.py:\n" + "\n".join(found)


def test_the_check_sees_a_private_override(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from faust.transport.drivers import aiokafka as driver\n"
        "class C(driver.Consumer):\n"
        "    def _new_consumer_thread(self):\n"
        "        return self._read_offset\n",
        encoding="utf-8",
    )
    found = list(violations(sample))
    assert any("overrides _new_consumer_thread" in v for v in found)
    assert any("reads inherited self._read_offset" in v for v in found)
