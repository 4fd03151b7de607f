"""The description of a dbt test as a Dagster asset check: what it asserts, in words a person
on call understands, and for a warn-severity test why it only warns.

The test's own YAML `description` wins, then its meta.description; otherwise the sentence
is built from the generic test and its arguments (test_metadata). Every singular test has
a description in a properties file next to its SQL (dbt_project/tests/*/_*_tests.yml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

MAX_VALUES = 8  # accepted_values lists at most this many, then "…"

WARNING = "This is a warning and does not fail the run: "
WARN_REASONS = {
    "relationships": (
        "real extracts reference records that are outside the extract (deleted, merged or not "
        "exported), and such rows still load; the result counts the failing rows."
    ),
    "accepted_values": (
        "a value outside the list (one the source system added) is kept as delivered and its rows "
        "still load; the result counts the distinct unexpected values."
    ),
    "accepted_ranges": (
        "the figures are the source system's own, kept as delivered, and their rows still load; the "
        "result counts the values out of range."
    ),
}
WARN_REASONS["accepted_range"] = WARN_REASONS["accepted_ranges"]
WARN_DEFAULT = "the rows still load; the result counts the failing rows."


def describe_test(test: Mapping[str, Any]) -> str:
    """The description of a dbt test node (its manifest entry)."""
    own = (test.get("description") or "").strip() or ((test.get("meta") or {}).get("description") or "").strip()
    if own:
        return own
    metadata = test.get("test_metadata") or {}
    kind = metadata.get("name")
    text = _generated(kind, metadata.get("kwargs") or {}, _model(test))
    if text is None:
        text = f"dbt test {test.get('name')}: the rows its SQL returns are failures."
    where = (test.get("config") or {}).get("where")
    if where:
        text += f" Only rows where {where} are checked."
    if ((test.get("config") or {}).get("severity") or "error").lower() == "warn":
        text += " " + WARNING + _warn_reason(kind, metadata.get("kwargs") or {})
    return text


# column_rules' arguments and the single-rule test whose warning reason each one shares
RULE_KINDS = {"references": "relationships", "values": "accepted_values", "ranges": "accepted_ranges"}


def _warn_reason(kind: str | None, kwargs: Mapping[str, Any]) -> str:
    if kind != "column_rules":
        return WARN_REASONS.get(kind, WARN_DEFAULT)
    reasons = [WARN_REASONS[single] for key, single in RULE_KINDS.items() if kwargs.get(key)]
    if not reasons:
        return WARN_DEFAULT
    return " ".join([reasons[0], *(r[0].upper() + r[1:] for r in reasons[1:])])


def _column_rules(kwargs: Mapping[str, Any], model: str) -> str:
    """column_rules in words, one clause per kind of rule."""
    rules = []
    if kwargs.get("not_null"):
        rules.append(f"never null: {_listed(kwargs['not_null'])}")
    for key in kwargs.get("unique") or []:
        columns = [c.strip('"') for c in ([key] if isinstance(key, str) else key)]
        rules.append(f"one row per {_joined(columns, 'and')}")
    for rule in kwargs.get("values") or []:
        values = [str(v) for v in rule.get("values") or []]
        listed = ", ".join(values[:MAX_VALUES]) + (", …" if len(values) > MAX_VALUES else "")
        column = rule["column"].strip('"')
        rules.append(f"{column} is one of {listed}")
    for rule in kwargs.get("references") or []:
        field = rule["field"]
        rules.append(f"{rule['column']} is {_a(field)} {field} of {_relation(rule.get('to'))}")
    if kwargs.get("ranges"):
        ranges = ", ".join(f"{r['column']} {_range(r)}" for r in kwargs["ranges"])
        rules.append(f"in range (nulls pass): {ranges}")
    return (f"Column rules of {model}: " + "; ".join(rules) + ". A failure names each broken rule and column, "
            "with what was expected, the number of failures and an example.")


def _generated(kind: str | None, kwargs: Mapping[str, Any], model: str) -> str | None:
    column = (kwargs.get("column_name") or "").strip('"')
    if kind == "column_rules":
        return _column_rules(kwargs, model)
    if kind == "not_null":
        return f"{column} is never null."
    if kind == "unique":
        return f"Each {column} appears on one row only."
    if kind == "accepted_values":
        values = [str(v) for v in kwargs.get("values") or []]
        listed = ", ".join(values[:MAX_VALUES]) + (", …" if len(values) > MAX_VALUES else "")
        return f"Every {column} is one of: {listed}."
    if kind == "relationships":
        field = kwargs["field"]
        return f"Every {column} of {model} is {_a(field)} {field} of {_relation(kwargs.get('to'))}."
    if kind == "not_null_columns":
        return (f"None of these columns is ever null: {_listed(kwargs['columns'])}. "
                "A failure names each column that holds nulls, with their number.")
    if kind == "at_least_one_not_null":
        return f"Every row has a value in at least one of {_joined(kwargs['columns'], 'or')}."
    if kind == "unique_combination_of_columns":
        return f"No two rows share the same {_joined(kwargs['combination_of_columns'], 'and')}."
    if kind == "accepted_range":
        return f"Every {column} is {_range(kwargs)} (nulls pass)."
    if kind == "accepted_ranges":
        ranges = "; ".join(f"{r['column']} {_range(r)}" for r in kwargs["ranges"])
        return (f"Every value is in its range (nulls pass): {ranges}. A failure names each column "
                "out of range, with the lowest and highest offending values.")
    return None


def _range(r: Mapping[str, Any]) -> str:
    """The accepted range in words: between 0 and 1, at least 0, above 0 (inclusive: false)."""
    low, high, inclusive = r.get("min_value"), r.get("max_value"), r.get("inclusive", True)
    if low is not None and high is not None:
        return f"{'' if inclusive else 'strictly '}between {low} and {high}"
    if low is not None:
        return f"{'at least' if inclusive else 'above'} {low}"
    return f"{'at most' if inclusive else 'below'} {high}"


def _listed(columns: Sequence[str]) -> str:
    return ", ".join(c.strip('"') for c in columns)  # '"group"', quoted as in SQL -> group


def _a(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" else "a"  # a user_id, an owner_id


def _joined(columns: Sequence[str], last: str) -> str:
    """[a, b, c], "or" -> a, b or c."""
    return ", ".join(columns[:-1]) + f" {last} {columns[-1]}" if len(columns) > 1 else columns[0]


def _model(test: Mapping[str, Any]) -> str:
    """The model a generic test is attached to: `model.coaching.int_users` -> int_users."""
    attached = test.get("attached_node")
    if attached:
        return attached.split(".")[-1]
    return _relation((test.get("test_metadata") or {}).get("kwargs", {}).get("model"))


def _relation(ref: str | None) -> str:
    """`ref('int_users')` -> int_users, `source('crm', 'user')` -> user (the last name given)."""
    names = re.findall(r"""['"]([^'"]+)['"]""", ref or "")
    return names[-1] if names else (ref or "?")
