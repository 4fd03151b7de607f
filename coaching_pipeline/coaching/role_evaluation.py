"""How often the role rules are right (roles contract): the `metric:...` events and the role
escalations of a warehouse scored against the generator's planted role patterns (truth
`role_patterns`: rep, pattern_key, the months the pattern holds, whether the data can show
it). Pure functions; evaluation.evaluate adds the result, eval_report prints it.

Matching rules (decisions where the contract is silent; the README states them too):
- A role pattern is measured per closed fiscal month and assessed at the first weekly
  assessment after it (role_patterns.py), so an event or escalation belongs to the month
  before its date's month.
- Window rates (stage conversion, renewals, onboardings: roles.window_months = 3) still show
  a pattern up to LAG_MONTHS after its last planted month.
- Event precision: an event of (rep, pattern_key) is right when a detectable planted pattern
  of that rep and key holds in its month (or up to LAG_MONTHS before it).
- An event also counts right when the truth's `role_incidental` shows that pattern for that
  seller in its month (the same lag): the generated data has it although it was not planted
  (an AE whose forecast happened to miss its band twice). Incidental patterns are never
  expected.
- Expansion conversion also counts right when the rep has a planted, detectable closing or
  negotiation gap holding in its month: the generator lowers such a seller's win rate on
  every deal of their own (skill.crm_params), the AM's expansions included.
- Event recall: every detectable planted pattern holding in an assessed month must have an
  event of that rep and key whose month lies in [first month, last month + LAG_MONTHS].
- Book tier drop escalations: right when the planted drop is in the escalation's month;
  expected for every planted drop month that was assessed.
- Persistence escalations of role patterns: right when the planted pattern covers the
  escalation's month and the two before it (with the lag); expected for every detectable
  pattern holding in three assessed months in a row.
"""

from __future__ import annotations

import datetime as dt

from .evaluation import TARGETS  # the coaching contract's targets hold for the role rules too

LAG_MONTHS = 2
BOOK_TIER_DROP = "metric:book_tier_drop"
# role rules whose rate is the seller's own win rate, and the planted skill gaps that lower it
# (renewals are won or lost by the contract stream, whatever the AM's skills)
WIN_RATE_RULES = {"expansion_conversion": ("closing", "negotiation")}


def month_of(day: dt.date) -> dt.date:
    """The fiscal month a role assessment on `day` measured: the month before day's month."""
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def _rule_of(pattern_key: str) -> str:
    """'stage_conversion' of 'metric:stage_conversion:2>3'."""
    return pattern_key.split(":")[1]


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def _score(right: int, made: int, found: int, expected: int) -> dict:
    return {"made": made, "right": right, "precision": _ratio(right, made),
            "expected": expected, "found": found, "recall": _ratio(found, expected)}


class Planted:
    """The planted role patterns by (rep, pattern_key), months as dates."""

    def __init__(self, truth: dict):
        self.by_key: dict[tuple[str, str], list[dict]] = {}
        # every planted rule is reported, one its data cannot show at this scale included
        self.rules = {_rule_of(p["pattern_key"]) for p in truth.get("role_patterns") or []
                      if p["pattern_key"] != BOOK_TIER_DROP}
        for p in truth.get("role_patterns") or []:
            months = sorted(dt.date.fromisoformat(m) for m in p["months"])
            if months:
                self.by_key.setdefault((p["rep_id"], p["pattern_key"]), []).append(
                    {**p, "first": months[0], "last": months[-1], "month_set": set(months)})
        self.incidental: dict[tuple[str, str], set[dt.date]] = {}
        for p in truth.get("role_incidental") or []:
            self.incidental.setdefault((p["rep_id"], p["pattern_key"]), set()).update(
                dt.date.fromisoformat(m) for m in p["months"])
        self.skill_gaps: dict[tuple[str, str], list[tuple[dt.date, dt.date | None]]] = {}
        for g in truth.get("gaps") or []:
            if g.get("detectable"):
                until = dt.date.fromisoformat(g["until"]) if g.get("until") else None
                self.skill_gaps.setdefault((g["rep_id"], g["skill"]), []).append(
                    (dt.date.fromisoformat(g["from"]), until))

    def holds(self, rep: str, key: str, month: dt.date, lag: int = LAG_MONTHS) -> bool:
        return any(p["detectable"] and any(m <= month <= _add_months(m, lag) for m in p["month_set"])
                   for p in self.by_key.get((rep, key), []))

    def has_skill_gap(self, rep: str, skill: str, month: dt.date) -> bool:
        """A detectable planted skill gap of the rep holding in some day of the month."""
        month_end = _add_months(month, 1) - dt.timedelta(days=1)
        return any(start <= month_end and (until is None or until >= month)
                   for start, until in self.skill_gaps.get((rep, skill), []))

    def event_right(self, rep: str, key: str, month: dt.date) -> bool:
        incidental = any(m <= month <= _add_months(m, LAG_MONTHS) for m in self.incidental.get((rep, key), ()))
        skills = WIN_RATE_RULES.get(_rule_of(key), ())
        return self.holds(rep, key, month) or incidental or any(self.has_skill_gap(rep, s, month) for s in skills)

    def detectable(self) -> list[dict]:
        return [p for ps in self.by_key.values() for p in ps if p["detectable"]]


def _total(parts: dict[str, dict]) -> dict:
    keys = ("right", "made", "found", "expected")
    return _score(*(sum(p[k] for p in parts.values()) for k in keys))


def score_role_patterns(truth: dict, events: list[dict], escalations: list[dict],
                        assessment_dates: list[dt.date]) -> dict | None:
    """Precision and recall per role rule (None when the truth plants no role pattern)."""
    if "role_patterns" not in truth:
        return None
    planted = Planted(truth)
    assessed = {month_of(d) for d in assessment_dates}
    role_events = [e for e in events if (e.get("pattern_key") or "").startswith("metric:")]
    per_rule: dict[str, dict] = {}
    rules = sorted(planted.rules | {_rule_of(e["pattern_key"]) for e in role_events})
    for rule in rules:
        made = [e for e in role_events if _rule_of(e["pattern_key"]) == rule]
        right = sum(1 for e in made if planted.event_right(e["rep_id"], e["pattern_key"], month_of(e["opened_on"])))
        expected = [p for p in planted.detectable() if _rule_of(p["pattern_key"]) == rule
                    and p["pattern_key"] != BOOK_TIER_DROP and p["month_set"] & assessed]
        found = sum(1 for p in expected if any(
            e["rep_id"] == p["rep_id"] and e["pattern_key"] == p["pattern_key"]
            and p["first"] <= month_of(e["opened_on"]) <= _add_months(p["last"], LAG_MONTHS) for e in made))
        per_rule[rule] = _score(right, len(made), found, len(expected))

    esc_rules: dict[str, dict] = {}
    drops = [e for e in escalations if e["rule"] == "book_tier_drop"]
    right = sum(1 for e in drops if planted.holds(e["rep_id"], BOOK_TIER_DROP, month_of(e["escalation_date"]), lag=0))
    expected = {(p["rep_id"], m) for p in planted.detectable() if p["pattern_key"] == BOOK_TIER_DROP
                for m in p["month_set"] & assessed}
    made = {(e["rep_id"], month_of(e["escalation_date"])) for e in drops}
    esc_rules["book_tier_drop"] = _score(right, len(drops), len(expected & made), len(expected))

    persist = [e for e in escalations if e["rule"] == "persistence" and (e.get("pattern_key") or "").startswith("metric:")]
    right = sum(1 for e in persist if all(
        planted.holds(e["rep_id"], e["pattern_key"], _add_months(month_of(e["escalation_date"]), -k)) for k in range(3)))
    expected_p = [p for p in planted.detectable() if p["pattern_key"] != BOOK_TIER_DROP and any(
        {m, _add_months(m, 1), _add_months(m, 2)} <= (p["month_set"] & assessed) for m in p["month_set"])]
    found = sum(1 for p in expected_p if any(
        e["rep_id"] == p["rep_id"] and e["pattern_key"] == p["pattern_key"] for e in persist))
    esc_rules["persistence (role patterns)"] = _score(right, len(persist), found, len(expected_p))
    return {"events": {"overall": _total(per_rule), "per_rule": per_rule},
            "escalations": {"overall": _total(esc_rules), "per_rule": esc_rules}}


def role_misses(figures: dict | None) -> list[str]:
    """The role rules that miss their targets (coaching contract's): each rule with something
    planted or made is held to them on its own."""
    if not figures:
        return []
    out = []
    for rule, s in figures["events"]["per_rule"].items():
        if s["made"] and s["precision"] < TARGETS["event_precision"]:
            out.append(f"role events {rule} precision {s['precision']} (target >= {TARGETS['event_precision']})")
        if s["expected"] and s["recall"] < TARGETS["event_recall"]:
            out.append(f"role events {rule} recall {s['recall']} (target >= {TARGETS['event_recall']})")
    for rule, s in figures["escalations"]["per_rule"].items():
        if s["made"] and s["precision"] < TARGETS["escalation_precision"]:
            out.append(f"role escalations {rule} precision {s['precision']} "
                       f"(target >= {TARGETS['escalation_precision']})")
    return out


def report_lines(figures: dict | None, line) -> list[str]:
    """The role part of `coaching eval`'s report; `line(name, score)` formats one row."""
    if not figures:
        return ["Role patterns: the ground truth plants none (a landing zone from an older generator)"]
    lines = [f"Role pattern events (target precision >= {TARGETS['event_precision']}, "
             f"recall >= {TARGETS['event_recall']})", line("all role rules", figures["events"]["overall"])]
    lines += [line(rule, s) for rule, s in figures["events"]["per_rule"].items()]
    lines += [f"Role escalations (target precision >= {TARGETS['escalation_precision']})"]
    lines += [line(rule, s) for rule, s in figures["escalations"]["per_rule"].items()]
    return lines
