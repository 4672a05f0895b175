"""Alert rules from YAML: durations, validation errors naming file:line, levels, hysteresis."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.aggregator.domain.rules import (
    Level,
    Rule,
    load_rules,
    parse_duration,
    parse_rules,
)
from services.common.errors import ConfigError

REPO_RULES = Path(__file__).parents[2] / "services" / "aggregator" / "rules.yaml"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("24h", 86400),
        ("90m", 5400),
        ("7d", 604800),
        ("3600s", 3600),
        ("2w", 1209600),
        (" 1h ", 3600),
        ("1 h", 3600),
        (3600, 3600),
        (1, 1),
    ],
)
def test_parse_duration(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["", "h", "24", "24 hours", "1.5h", "-1h", "0h", "0s", 0, -5, "24H", "1y", True, "1h30m"],
)
def test_parse_duration_rejects(text: str | int) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def _rule_yaml(**fields: str) -> str:
    base = {
        "name": "r",
        "measure": "killed",
        "window": "24h",
        "levels": "[{name: warning, threshold: 5}]",
    }
    base.update(fields)
    body = "\n".join(f"    {k}: {v}" for k, v in base.items() if v != "<omit>")
    return f"rules:\n  - {body.lstrip()}\n"


def test_parse_rules_reads_every_field() -> None:
    text = """\
rules:
  - name: children_24h
    description: anything
    measure: children_killed
    window: 90m
    group_by: [country]
    figure: high
    update_step: 3
    levels:
      - {name: warning, threshold: 5}
      - {name: critical, threshold: 10, resolve_below: 8}
  - name: count
    measure: incidents
    window: 3600
    levels: [{name: warning, threshold: 2}]
"""
    rules = parse_rules(text, "x.yaml")
    first, second = rules.rules
    assert first == Rule(
        "children_24h",
        "children_killed",
        5400,
        ("country",),
        (Level("warning", 5, 5), Level("critical", 10, 8)),
        "high",
        3,
        "anything",
    )
    assert second.update_step is None and second.description == ""
    assert second.update_due(100) is None
    ratio = Rule("r", "killed", 60, ("country",), (Level("w", 5, 5),), update_step=5)
    assert ratio.update_due(25) == 30
    ratio = Rule("r", "killed", 60, ("country",), (Level("w", 5, 5),), "low", 5, "", 0.2)
    assert (ratio.update_due(25), ratio.update_due(1000)) == (30, 1200)
    assert first.value_key == "children_killed:high"
    assert second.group_by == ("country", "admin1")  # the default grouping
    assert second.figure == "low"
    assert second.window_seconds == 3600
    assert rules.longest_window == 5400
    assert rules.groupings == (("country",), ("country", "admin1"))
    assert rules.value_keys == ("children_killed:high", "incidents:low")


def test_repo_rules_file_loads() -> None:
    rules = load_rules(REPO_RULES)
    names = {r.name: r for r in rules.rules}
    children = names["children_killed_24h"]
    assert children.measure == "children_killed"
    assert children.window_seconds == 86400
    assert [lvl.threshold for lvl in children.levels] == [5, 10]
    assert names["killed_24h"].levels[0].threshold == 25


def test_shipped_rules_do_not_flap_and_say_what_they_count() -> None:
    """Hysteresis on every level of every shipped rule (a value wavering around a threshold
    must not fire and resolve again and again), an update step, a description."""
    for rule in load_rules(REPO_RULES).rules:
        assert rule.description, rule.name
        assert rule.update_step, rule.name
        for level in rule.levels:
            assert level.resolve_below < level.threshold, (rule.name, level.name)


@pytest.mark.parametrize(
    ("fields", "line", "words"),
    [
        ({"measure": "deaths"}, 2, "measure 'deaths'"),
        ({"window": "soon"}, 2, "'soon' is not a duration"),
        ({"window": "<omit>"}, 2, "not a duration"),
        ({"name": "Bad-Name"}, 2, "name 'Bad-Name'"),
        ({"group_by": "[admin1]"}, 2, "must be a prefix"),
        ({"group_by": "[country, admin2]"}, 2, "must be a prefix"),
        ({"figure": "middle"}, 2, "figure 'middle'"),
        ({"levels": "[]"}, 2, "at least one level"),
        ({"colour": "red"}, 2, "unknown key(s) ['colour']"),
        ({"update_step": "0"}, 2, "update_step 0"),
        ({"update_step": "5", "update_ratio": "-1"}, 2, "update_ratio -1"),
        ({"update_ratio": "0.5"}, 2, "update_ratio needs update_step"),
        ({"update_step": "many"}, 2, "update_step 'many'"),
        ({"description": "[a, b]"}, 2, "must be text"),
        (
            {"levels": "[{name: a, threshold: 5}, {name: b, threshold: 5}]"},
            2,
            "strictly increase",
        ),
        (
            {"levels": "[{name: a, threshold: 9}, {name: b, threshold: 5}]"},
            2,
            "strictly increase",
        ),
        (
            {"levels": "[{name: a, threshold: 5}, {name: a, threshold: 9}]"},
            2,
            "level names must be unique",
        ),
        ({"levels": "[{name: a, threshold: 0}]"}, 2, "threshold 0"),
        ({"levels": "[{name: a, threshold: 2.5}]"}, 2, "threshold 2.5"),
        ({"levels": "[{name: a, threshold: true}]"}, 2, "threshold True"),
        ({"levels": "[{threshold: 3}]"}, 2, "level needs a name"),
        ({"levels": "[{name: a, threshold: 5, resolve_below: 6}]"}, 2, "resolve_below 6"),
        ({"levels": "[{name: a, threshold: 5, resolve_below: 0}]"}, 2, "resolve_below 0"),
        ({"levels": "[{name: a, threshold: 5, colour: red}]"}, 2, "unknown level key"),
        ({"levels": "[warning]"}, 2, "each level must be a mapping"),
    ],
)
def test_rule_errors_name_file_line_and_problem(
    fields: dict[str, str], line: int, words: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_rules(_rule_yaml(**fields), "my-rules.yaml")
    message = str(info.value)
    assert message.startswith(f"my-rules.yaml:{line}: rule "), message
    assert words in message, message


def test_error_names_the_line_of_the_bad_rule_and_level() -> None:
    text = """\
rules:
  - name: fine
    measure: killed
    window: 24h
    levels: [{name: w, threshold: 1}]

  - name: broken
    measure: killed
    window: 24h
    levels:
      - {name: w, threshold: 1}
      - {name: c, threshold: -3}
"""
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "f.yaml")
    assert str(info.value).startswith("f.yaml:7: rule 'broken': line 12: threshold -3")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("rules: [", "not valid YAML"),
        ("", "non-empty 'rules' list"),
        ("rules: []", "non-empty 'rules' list"),
        ("rules: {a: 1}", "non-empty 'rules' list"),
        ("- a\n- b\n", "non-empty 'rules' list"),
    ],
)
def test_document_errors(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=r"^doc\.yaml: ") as info:
        parse_rules(text, "doc.yaml")
    assert words in str(info.value)


def test_duplicate_rule_names() -> None:
    one = "  - {name: a, measure: killed, window: 1h, levels: [{name: w, threshold: 1}]}\n"
    with pytest.raises(ConfigError, match=r"duplicate rule name\(s\) \['a'\]"):
        parse_rules("rules:\n" + one + one, "d.yaml")


def test_rule_that_is_not_a_mapping_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^bad.yaml:"):
        parse_rules("rules:\n  - just a string\n", "bad.yaml")


def test_load_rules_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read rules file"):
        load_rules(tmp_path / "nope.yaml")


def _rule(*levels: tuple[int, int]) -> Rule:
    return Rule(
        "r",
        "killed",
        86400,
        ("country", "admin1"),
        tuple(Level(f"l{i}", t, rb) for i, (t, rb) in enumerate(levels, start=1)),
    )


TWO_LEVELS = _rule((5, 5), (10, 10))
HYSTERESIS = _rule((5, 3), (10, 8))


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        (TWO_LEVELS, 0, 0),
        (TWO_LEVELS, 4, 0),
        (TWO_LEVELS, 5, 1),
        (TWO_LEVELS, 9, 1),
        (TWO_LEVELS, 10, 2),
        (TWO_LEVELS, 1000, 2),
        (HYSTERESIS, 4, 0),  # resolve_below never lowers the firing threshold
        (HYSTERESIS, 9, 1),
    ],
)
def test_fire_level(rule: Rule, value: int, expected: int) -> None:
    assert rule.fire_level(value) == expected


@pytest.mark.parametrize(
    ("rule", "value", "current", "expected"),
    [
        # no hysteresis: the level is just the fire level
        (TWO_LEVELS, 9, 2, 1),
        (TWO_LEVELS, 4, 1, 0),
        (TWO_LEVELS, 10, 0, 2),
        # hysteresis holds a level until the value falls below resolve_below
        (HYSTERESIS, 8, 2, 2),
        (HYSTERESIS, 7, 2, 1),
        (HYSTERESIS, 3, 2, 1),
        (HYSTERESIS, 2, 2, 0),
        (HYSTERESIS, 3, 1, 1),
        (HYSTERESIS, 2, 1, 0),
        # ... but only on the way down: from below, the firing threshold applies
        (HYSTERESIS, 4, 0, 0),
        (HYSTERESIS, 9, 1, 1),
        (HYSTERESIS, 9, 0, 1),
        (HYSTERESIS, 10, 1, 2),
    ],
)
def test_level_for_hysteresis(rule: Rule, value: int, current: int, expected: int) -> None:
    assert rule.level_for(value, current) == expected


def test_level_name() -> None:
    assert TWO_LEVELS.level_name(0) is None
    assert TWO_LEVELS.level_name(1) == "l1"
    assert TWO_LEVELS.level_name(2) == "l2"
