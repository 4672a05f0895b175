"""The published JSON Schema of a topic model, and the rules a change of it must keep.

``published_schema`` is what consumers validate against: the model's serialization
schema with an ``$id``, and without ``additionalProperties: false`` anywhere (a consumer
must accept fields added later, schemas/COMPATIBILITY.md). ``breaking_changes`` lists
what a new published schema breaks for the consumers of an old one, within one
``schema_version``. A topic keeps its history, so both directions count: a new consumer
reads old records (so no field may become required, no value may stop being valid) and
an old consumer reads new records (so no field may disappear or stop being required, no
value may be new). Only added optional fields and documentation changes are compatible.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

JSON = dict[str, Any]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:vigil:schema:"
"""``$id`` of a published schema: ``urn:vigil:schema:<name>:v<schema_version>``. A name,
not a location: the files are schemas/json/<name>.v<N>.schema.json (and referenced from
schemas/asyncapi.yaml)."""

DOCUMENTATION = frozenset(
    {"title", "description", "examples", "default", "$comment", "deprecated", "$id", "$schema"}
)
"""Keywords that change no record's validity (``default`` included: a consumer must read
the value a record carries, and a missing optional field as absent)."""
MAX_DEPTH = 64
STRUCTURE = frozenset(
    {"properties", "required", "anyOf", "oneOf", "allOf", "prefixItems", "items"}
    | {"additionalProperties", "$ref", "$defs"}
)


def schema_version(model: type[BaseModel]) -> int:
    version = model.model_fields["schema_version"].default
    if not isinstance(version, int):
        raise TypeError(f"{model.__name__}.schema_version has no integer default")
    return version


def schema_id(name: str, version: int) -> str:
    return f"{ID_PREFIX}{name}:v{version}"


def file_name(name: str, version: int) -> str:
    return f"{name}.v{version}.schema.json"


def _open(schema: Any) -> Any:
    """A copy with every ``additionalProperties: false`` dropped (unknown fields allowed)."""
    if isinstance(schema, dict):
        return {
            key: _open(value)
            for key, value in schema.items()
            if not (key == "additionalProperties" and value is False)
        }
    if isinstance(schema, list):
        return [_open(item) for item in schema]
    return schema


def published_schema(model: type[BaseModel], name: str) -> JSON:
    """What consumers of the model's topic validate against (see the module docstring)."""
    schema: JSON = _open(model.model_json_schema(mode="serialization"))
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_id(name, schema_version(model)),
        **schema,
    }


def render(schema: JSON) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def breaking_changes(old: JSON, new: JSON) -> list[str]:
    """Every change from ``old`` to ``new`` that breaks a consumer of either, as
    ``path: what`` lines (empty: compatible). Both are published schemas."""
    out: list[str] = []
    roots = (_open(old), _open(new))
    _compare(roots[0], roots[1], "$", roots, out, 0)
    return out


def _resolve(schema: JSON, root: JSON) -> JSON:
    """Follow ``$ref``s into ``$defs`` (sibling keywords of a ``$ref`` are kept)."""
    seen = 0
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/") or seen > 32:
            raise ValueError(f"unsupported $ref {ref!r}")
        target = root["$defs"][ref.removeprefix("#/$defs/")]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _compare(
    old: JSON,
    new: JSON,
    path: str,
    roots: tuple[JSON, JSON],
    out: list[str],
    depth: int,
) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"{path}: nested deeper than {MAX_DEPTH} (a recursive model?)")
    old, new = _resolve(old, roots[0]), _resolve(new, roots[1])
    depth += 1
    if ("anyOf" in old) != ("anyOf" in new):
        out.append(f"{path}: {_describe(old)} -> {_describe(new)}{_union_direction(old, new)}")
        return
    if "properties" in old or "properties" in new:
        _compare_objects(old, new, path, roots, out, depth)
    for keyword in ("anyOf", "oneOf", "allOf", "prefixItems"):
        before, after = old.get(keyword, []), new.get(keyword, [])
        if len(before) != len(after):
            out.append(
                f"{path}: {keyword} has {len(after)} alternative(s), had {len(before)} "
                f"({_summary(before)} -> {_summary(after)})"
            )
            continue
        for index, (a, b) in enumerate(zip(before, after, strict=True)):
            _compare(a, b, f"{path}.{keyword}[{index}]", roots, out, depth)
    for keyword in ("items", "additionalProperties"):
        a, b = old.get(keyword), new.get(keyword)
        if isinstance(a, dict) and isinstance(b, dict):
            where = f"{path}[]" if keyword == "items" else f"{path}{{}}"
            _compare(a, b, where, roots, out, depth)
        elif a != b:
            out.append(f"{path}: {keyword} {_show(a)} -> {_show(b)}")
    constraints = sorted((old.keys() | new.keys()) - DOCUMENTATION - STRUCTURE)
    for keyword in constraints:
        a, b = old.get(keyword), new.get(keyword)
        if a != b:
            out.append(f"{path}: {keyword} {_show(a)} -> {_show(b)}{_direction(keyword, a, b)}")


def _compare_objects(
    old: JSON,
    new: JSON,
    path: str,
    roots: tuple[JSON, JSON],
    out: list[str],
    depth: int,
) -> None:
    before, after = old.get("properties", {}), new.get("properties", {})
    was, now = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(before.keys() - after.keys()):
        out.append(f"{path}.{name}: removed (old consumers read it)")
    for name in sorted(now - was):
        added = "added as required" if name not in before else "now required"
        out.append(f"{path}.{name}: {added} (records already in the topic lack it)")
    for name in sorted((was - now) & after.keys()):
        out.append(f"{path}.{name}: no longer required (old consumers rely on it)")
    for name in sorted(before.keys() & after.keys()):
        _compare(before[name], after[name], f"{path}.{name}", roots, out, depth)


def _direction(keyword: str, old: Any, new: Any) -> str:
    if keyword == "enum" and isinstance(old, list) and isinstance(new, list):
        gone = [v for v in old if v not in new]
        added = [v for v in new if v not in old]
        parts = []
        if gone:
            parts.append(f"narrowed: {_show(gone)} no longer valid in records already written")
        if added:
            parts.append(f"widened: {_show(added)} unknown to old consumers")
        return f" ({'; '.join(parts)})" if parts else " (reordered)"
    if keyword == "type":
        a = set(old) if isinstance(old, list) else {old}
        b = set(new) if isinstance(new, list) else {new}
        if b < a:
            return " (narrowed)"
        if a < b:
            return " (widened)"
        return " (changed)"
    lower = keyword in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
    upper = keyword in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
    if (lower or upper) and isinstance(old, int | float) and isinstance(new, int | float):
        narrowed = new > old if lower else new < old
        return " (narrowed)" if narrowed else " (widened)"
    if old is None:
        return " (narrowed: a new constraint)"
    if new is None:
        return " (widened: a constraint dropped)"
    return " (changed)"


def _core(schema: JSON) -> JSON:
    return {k: v for k, v in schema.items() if k not in DOCUMENTATION}


def _union_direction(old: JSON, new: JSON) -> str:
    """A value that became one alternative of a union (``X`` -> ``X | null``), or back."""
    if "anyOf" in new and _core(old) in [_core(a) for a in new["anyOf"]]:
        return " (widened: old consumers reject the other alternatives)"
    if "anyOf" in old and _core(new) in [_core(a) for a in old["anyOf"]]:
        return " (narrowed: records already written may hold the other alternatives)"
    return " (changed)"


def _describe(schema: JSON) -> str:
    if "anyOf" in schema:
        return _summary(schema["anyOf"])
    return _summary([schema])


def _summary(alternatives: list[Any]) -> str:
    return " | ".join(
        str(a.get("type") or a.get("$ref", "?").rsplit("/", 1)[-1]) if isinstance(a, dict) else "?"
        for a in alternatives
    )


def _show(value: Any) -> str:
    return "absent" if value is None else json.dumps(value, ensure_ascii=False)
