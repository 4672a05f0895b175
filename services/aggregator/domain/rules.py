"""Alert rules, read from YAML and validated at start-up with errors that name the line.

A rule counts one *measure* over a rolling *window* of event time per *group* and has one
or more *levels* (ascending thresholds). Example::

    rules:
      - name: children_killed_24h
        measure: children_killed      # killed, injured, children_killed, ..., incidents
        window: 24h                   # any duration: 90m, 24h, 7d, 3600s
        group_by: [country, admin1]   # country | admin1 | admin2, coarse to fine
        figure: low                   # which end of a range figure ("between 5 and 8")
        description: Children killed in one governorate within 24 hours.
        update_step: 5                # while firing, announce a rise of 5 or more ...
        update_ratio: 0.2             # ... and of 20% or more of the value last announced
        levels:
          - {name: critical, threshold: 10, resolve_below: 8}   # resolve_below: hysteresis
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml

from schemas.reports import MEASURES
from services.common.errors import ConfigError
from services.common.eventtime import parse_duration as parse_duration  # re-exported

INCIDENTS = "incidents"
RULE_MEASURES = (*MEASURES, INCIDENTS)
GROUP_FIELDS = ("country", "admin1", "admin2")


@dataclass(frozen=True)
class Level:
    name: str
    threshold: int
    resolve_below: int
    """The level is left only when the value falls below this (== threshold: no hysteresis)."""


@dataclass(frozen=True)
class Rule:
    name: str
    measure: str
    window_seconds: int
    group_by: tuple[str, ...]
    levels: tuple[Level, ...]
    figure: Literal["low", "high"] = "low"
    update_step: int | None = None
    """While firing, a value that rose this much since last announced is an update."""
    description: str = ""
    update_ratio: float = 0.0
    """... and by at least this share of the value last announced (large windows: a 7-day
    country total in the thousands is not news at every +50)."""

    def update_due(self, announced: int) -> int | None:
        """The value at which an alert last announced at ``announced`` is updated (None:
        this rule sends no updates)."""
        if self.update_step is None:
            return None
        return announced + max(self.update_step, math.ceil(announced * self.update_ratio))

    @cached_property
    def value_key(self) -> str:
        """Key of the incident value this rule sums, e.g. ``children_killed:low``."""
        return f"{self.measure}:{self.figure}"

    @cached_property
    def _thresholds(self) -> tuple[int, ...]:
        return tuple(lvl.threshold for lvl in self.levels)

    def fire_level(self, value: int) -> int:
        """1-based index of the highest level whose threshold ``value`` reaches (0: none).
        Thresholds strictly increase (``parse_rules`` checks it)."""
        return bisect_right(self._thresholds, value)

    def level_for(self, value: int, current: int) -> int:
        """Level in force for ``value`` when ``current`` is in force (hysteresis applies
        only on the way down)."""
        if not current:
            return self.fire_level(value)
        held = 0
        for index, lvl in enumerate(self.levels[:current], start=1):
            if value >= lvl.resolve_below:
                held = index
        return max(self.fire_level(value), held)

    def level_name(self, level: int) -> str | None:
        return None if level == 0 else self.levels[level - 1].name


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    @cached_property
    def groupings(self) -> tuple[tuple[str, ...], ...]:
        return tuple(dict.fromkeys(rule.group_by for rule in self.rules))

    @cached_property
    def longest_window(self) -> int:
        return max(rule.window_seconds for rule in self.rules)

    @cached_property
    def value_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.value_key for rule in self.rules))


class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping so errors can name it."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = dict(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_RULE_KEYS = {
    "name",
    "measure",
    "window",
    "group_by",
    "levels",
    "figure",
    "description",
    "update_step",
    "update_ratio",
}
_LEVEL_KEYS = {"name", "threshold", "resolve_below"}


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each rule must be a mapping, got {raw!r}")
    line = raw.pop("__line__", "?")
    where = f"{where}:{line}"
    try:
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}")
        name = raw.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,64}", name):
            raise ValueError(f"name {name!r} must be 1-64 of a-z, 0-9, _")
        measure = raw.get("measure")
        if measure not in RULE_MEASURES:
            raise ValueError(f"measure {measure!r} is not one of {list(RULE_MEASURES)}")
        window = parse_duration(raw.get("window", ""))
        group_by = tuple(raw.get("group_by") or ("country", "admin1"))
        if not group_by or group_by != GROUP_FIELDS[: len(group_by)]:
            raise ValueError(f"group_by {list(group_by)} must be a prefix of {list(GROUP_FIELDS)}")
        figure = raw.get("figure", "low")
        if figure not in ("low", "high"):
            raise ValueError(f"figure {figure!r} must be 'low' or 'high'")
        levels = tuple(_level(item) for item in raw.get("levels") or ())
        if not levels:
            raise ValueError("a rule needs at least one level")
        thresholds = [lvl.threshold for lvl in levels]
        if thresholds != sorted(set(thresholds)):
            raise ValueError(f"level thresholds {thresholds} must strictly increase")
        if len({lvl.name for lvl in levels}) != len(levels):
            raise ValueError("level names must be unique within a rule")
        update_step = raw.get("update_step")
        if update_step is not None and (
            not isinstance(update_step, int) or isinstance(update_step, bool) or update_step < 1
        ):
            raise ValueError(f"update_step {update_step!r} must be a whole number >= 1")
        ratio = raw.get("update_ratio", 0.0)
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 10:
            raise ValueError(f"update_ratio {ratio!r} must be a number from 0 to 10")
        if ratio and update_step is None:
            raise ValueError("update_ratio needs update_step")
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise ValueError(f"description {description!r} must be text")
        return Rule(
            name,
            measure,
            window,
            group_by,
            levels,
            figure,
            update_step,
            " ".join(description.split()),
            float(ratio),
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: rule {raw.get('name', '?')!r}: {exc}") from None


def _level(raw: Any) -> Level:
    if not isinstance(raw, dict):
        raise ValueError("each level must be a mapping like {name: critical, threshold: 10}")
    line = raw.pop("__line__", "?")
    unknown = set(raw) - _LEVEL_KEYS
    if unknown:
        raise ValueError(f"line {line}: unknown level key(s) {sorted(unknown)}")
    name, threshold = raw.get("name"), raw.get("threshold")
    if not isinstance(name, str) or not name:
        raise ValueError(f"line {line}: level needs a name")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise ValueError(f"line {line}: threshold {threshold!r} must be a whole number >= 1")
    resolve_below = raw.get("resolve_below", threshold)
    if not isinstance(resolve_below, int) or not 1 <= resolve_below <= threshold:
        raise ValueError(f"line {line}: resolve_below {resolve_below!r} must be 1..threshold")
    return Level(name, threshold, resolve_below)


def parse_rules(text: str, where: str = "<rules>") -> RuleSet:
    try:
        doc = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list) or not doc["rules"]:
        raise ConfigError(f"{where}: expected a mapping with a non-empty 'rules' list")
    rules = tuple(_rule(item, where) for item in doc["rules"])
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{where}: duplicate rule name(s) {duplicates}")
    return RuleSet(rules)


def load_rules(path: Path) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read rules file {path}: {exc}") from None
    return parse_rules(text, str(path))
