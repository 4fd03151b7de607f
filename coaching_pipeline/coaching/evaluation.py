"""How often the coaching signal is right: the events, escalations, process gaps and deal
health of a warehouse scored against the generator's ground truth (coaching contract,
"Signal a manager can act on"; the truth file: sample_generator truth.py). Pure functions on
the truth dict and plain rows; eval_report.py reads the warehouse and prints.

Matching rules (decisions where the contract is silent; the README states them too):
- A gap's weeks: [from - EARLY, until + LAG] (until open: as_of). The skill scores are means
  of 30-day (calls) and 90-day (deals) windows, so a detector sees a gap up to LAG after its
  weekly level moved, and a gradual decline up to EARLY before the level crosses the line.
- Event precision: an event (coaching_log, pattern skill:X) is right when a DETECTABLE gap
  of that rep and skill covers its opened_on. An event on a process gap, on a thin-evidence
  skill or where nothing was planted is wrong. Queued events count: queuing is the budget's,
  not the detector's.
- Event recall: every detectable gap that had lasted MIN_VISIBLE days by the last assessment
  and had not ended before the first one must have an event of that rep and skill whose
  opened_on lies within its weeks.
- Persistence escalations: right when a detectable gap of that rep and skill covers the
  three weeks before the escalation; expected for every detectable gap lasting
  MIN_PERSISTENT days inside the assessed range.
- Attainment escalations: right when the rep's planted attainment (USD won in the quarter up
  to the day before / the quarter's quota) is below the threshold; expected for every AE and
  quarter where it was below it at an assessment with fewer than the configured days left.
- Bottom-quartile escalations: right when the rep's latent overall level was in the role's
  bottom quartile in one of the BQ_WEEKS weeks up to the escalation; expected for every rep
  in it for the whole 30 days before an assessment.
- Deal health: ROC AUC of (100 - health_score) at as_of for the open deals the truth makes
  lose after as_of, against those it makes win (ties count a half).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

EARLY = dt.timedelta(days=14)
LAG = dt.timedelta(days=35)
MIN_VISIBLE = dt.timedelta(days=28)
MIN_PERSISTENT = dt.timedelta(days=42)
PERSISTENCE_SPAN = dt.timedelta(days=21)
BQ_WEEKS = 5

TARGETS = {"event_precision": 0.85, "event_recall": 0.80, "escalation_precision": 0.90, "deal_auc": 0.75,
           "recommendations_per_manager_week": 5.0, "daily_flags_per_seller_month": 2.0,
           "max_open_focus_areas": 3}


@dataclass
class Signal:
    """What the warehouse holds, as plain rows (eval_report.read_signal)."""
    assessment_dates: list[dt.date]
    events: list[dict]  # rep_id, skill, opened_on, manager_id, surfaced_on, open_focus (bool)
    escalations: list[dict]  # rep_id, rule, skill (persistence) or None, escalation_date
    process_gaps: list[tuple[str, str]]  # (role, skill) at the last assessment
    daily_flags: list[dict]  # rep_id, flag_date
    health: dict[str, float]  # opportunity id -> health_score of the open deals at as_of
    managers: list[str] = field(default_factory=list)
    attainment_below: float = 0.5
    attainment_days_left: int = 42
    bottom_quartile_days: int = 30


def _d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


class Gaps:
    """The truth's gaps by (rep, skill), with their weeks widened by EARLY and LAG."""

    def __init__(self, truth: dict):
        self.as_of = _d(truth["as_of"])
        self.by_key: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for g in truth["gaps"]:
            start, until = _d(g["from"]), _d(g["until"])
            self.by_key[(g["rep_id"], g["skill"])].append({**g, "start": start, "end": until or self.as_of,
                                                          "open": until is None})

    def covering(self, rep: str, skill: str, first: dt.date, last: dt.date) -> dict | None:
        """The gap of rep and skill whose widened weeks hold [first, last]."""
        for g in self.by_key.get((rep, skill), []):
            if g["start"] - EARLY <= first and last <= g["end"] + LAG:
                return g
        return None

    def detectable(self):
        for gaps in self.by_key.values():
            yield from (g for g in gaps if g["detectable"])


def _score(right: int, made: int, found: int, expected: int) -> dict:
    return {"made": made, "right": right, "precision": _ratio(right, made),
            "expected": expected, "found": found, "recall": _ratio(found, expected)}


def _add(total: dict, part: dict) -> None:
    for k in ("made", "right", "expected", "found"):
        total[k] = total.get(k, 0) + part[k]


def _finish(total: dict) -> dict:
    return _score(total.get("right", 0), total.get("made", 0), total.get("found", 0), total.get("expected", 0))


def score_events(truth: dict, signal: Signal) -> dict:
    gaps = Gaps(truth)
    first, last = min(signal.assessment_dates), max(signal.assessment_dates)
    per_skill = {}
    for skill in truth["skills"]:
        events = [e for e in signal.events if e["skill"] == skill]
        right = sum(1 for e in events if (g := gaps.covering(e["rep_id"], skill, e["opened_on"], e["opened_on"]))
                    and g["detectable"])
        expected = [g for g in gaps.detectable() if g["skill"] == skill
                    and g["start"] <= last - MIN_VISIBLE and g["end"] + LAG >= first]
        found = sum(1 for g in expected if any(
            e["rep_id"] == g["rep_id"] and g["start"] - EARLY <= e["opened_on"] <= g["end"] + LAG for e in events))
        per_skill[skill] = _score(right, len(events), found, len(expected))
    total: dict = {}
    for part in per_skill.values():
        _add(total, part)
    return {"overall": _finish(total), "per_skill": per_skill}


def _attainment_at(truth: dict, rep: str, day: dt.date) -> tuple[float | None, int, str] | None:
    """(attainment, days left, quarter start) of the quarter holding day - 1, as planted."""
    last = day - dt.timedelta(days=1)
    for start, q in truth["attainment"].get(rep, {}).items():
        q_start, q_end = _d(start), _d(q["end"])
        if q_start <= last <= q_end:
            if not q["quota_usd"]:
                return None, (q_end - last).days, start
            won = sum(amount for close, amount in q["won"] if _d(close) <= last)
            return won / q["quota_usd"], (q_end - last).days, start
    return None


def _bottom_quartile_weeks(truth: dict) -> dict[str, set[dt.date]]:
    return {rep: {_d(w) for w in weeks} for rep, weeks in truth["bottom_quartile"].items()}


def score_escalations(truth: dict, signal: Signal) -> dict:
    gaps = Gaps(truth)
    first, last = min(signal.assessment_dates), max(signal.assessment_dates)
    rules: dict[str, dict] = {}

    esc = [e for e in signal.escalations if e["rule"] == "persistence" and e.get("skill")]
    right = sum(1 for e in esc if (g := gaps.covering(e["rep_id"], e["skill"], e["escalation_date"] - PERSISTENCE_SPAN,
                                                      e["escalation_date"])) and g["detectable"])
    expected = [g for g in gaps.detectable() if g["start"] <= last - MIN_PERSISTENT
                and g["end"] - max(g["start"], first) >= PERSISTENCE_SPAN and g["end"] >= first]
    found = sum(1 for g in expected if any(
        e["rep_id"] == g["rep_id"] and e["skill"] == g["skill"]
        and g["start"] - EARLY <= e["escalation_date"] - PERSISTENCE_SPAN and e["escalation_date"] <= g["end"] + LAG
        for e in esc))
    rules["persistence"] = _score(right, len(esc), found, len(expected))

    esc = [e for e in signal.escalations if e["rule"] == "attainment"]
    planted = [_attainment_at(truth, e["rep_id"], e["escalation_date"]) for e in esc]
    right = sum(1 for p in planted if p and p[0] is not None and p[0] < signal.attainment_below)
    expected_q = set()
    for rep in truth["attainment"]:
        for day in signal.assessment_dates:
            p = _attainment_at(truth, rep, day)
            if p and p[0] is not None and p[0] < signal.attainment_below and p[1] < signal.attainment_days_left:
                expected_q.add((rep, p[2]))
    made_q = {(e["rep_id"], p[2]) for e, p in zip(esc, planted) if p}
    rules["attainment"] = _score(right, len(esc), len(expected_q & made_q), len(expected_q))

    esc = [e for e in signal.escalations if e["rule"] == "bottom_quartile"]
    weeks = _bottom_quartile_weeks(truth)

    def in_bq(rep: str, day: dt.date) -> bool:
        monday = day - dt.timedelta(days=day.weekday())
        return any(monday - dt.timedelta(weeks=k) in weeks.get(rep, set()) for k in range(BQ_WEEKS))

    right = sum(1 for e in esc if in_bq(e["rep_id"], e["escalation_date"]))
    span = signal.bottom_quartile_days // 7 + 1
    expected_reps = set()
    for rep, ws in weeks.items():
        for day in signal.assessment_dates:
            monday = day - dt.timedelta(days=day.weekday())
            if day - dt.timedelta(days=signal.bottom_quartile_days) >= first and all(
                    monday - dt.timedelta(weeks=k) in ws for k in range(span)):
                expected_reps.add(rep)
    made_reps = {e["rep_id"] for e in esc}
    rules["bottom_quartile"] = _score(right, len(esc), len(expected_reps & made_reps), len(expected_reps))

    total: dict = {}
    for part in rules.values():
        _add(total, part)
    return {"overall": _finish(total), "per_rule": rules}


def score_process_gaps(truth: dict, signal: Signal) -> dict:
    planted = {(p["role"], p["skill"]) for p in truth["process_gaps"]}
    found = set(signal.process_gaps)
    return {"planted": sorted(f"{r}/{s}" for r, s in planted), "reported": sorted(f"{r}/{s}" for r, s in found),
            **_score(len(found & planted), len(found), len(found & planted), len(planted))}


def roc_auc(lost_scores: list[float], won_scores: list[float]) -> float | None:
    """P(a lost deal scores higher risk than a won one), ties a half (Mann-Whitney U)."""
    if not lost_scores or not won_scores:
        return None
    values = sorted([(v, 1) for v in lost_scores] + [(v, 0) for v in won_scores])
    rank_sum, i = 0.0, 0
    while i < len(values):
        j = i
        while j < len(values) and values[j][0] == values[i][0]:
            j += 1
        mid = (i + 1 + j) / 2.0  # 1-based mid-rank of the tie block
        rank_sum += mid * sum(1 for k in range(i, j) if values[k][1])
        i = j
    n1, n0 = len(lost_scores), len(won_scores)
    return round((rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0), 3)


def score_deal_health(truth: dict, signal: Signal) -> dict:
    fates = truth["deal_fates"]
    scored = {d: s for d, s in signal.health.items() if d in fates and s is not None}
    lost = [100.0 - s for d, s in scored.items() if fates[d] == "lost"]
    won = [100.0 - s for d, s in scored.items() if fates[d] == "won"]
    return {"open_deals": len(fates), "scored": len(scored), "lost": len(lost), "won": len(won),
            "auc": roc_auc(lost, won)}


def budget(truth: dict, signal: Signal) -> dict:
    weeks = sorted(set(signal.assessment_dates))
    per_cell: dict[tuple[str, dt.date], int] = defaultdict(int)
    for e in signal.events:
        if e["surfaced_on"] is not None and e["manager_id"]:
            per_cell[(e["manager_id"], e["surfaced_on"])] += 1
    cells = [per_cell.get((m, w), 0) for m in signal.managers for w in weeks]
    open_focus: dict[str, int] = defaultdict(int)
    for e in signal.events:
        open_focus[e["rep_id"]] += bool(e["open_focus"])
    flags: dict[tuple[str, str], int] = defaultdict(int)
    for f in signal.daily_flags:
        flags[(f["rep_id"], f["flag_date"].strftime("%Y-%m"))] += 1
    months = {m for _, m in flags}
    seller_months = len(truth["sellers"]) * len(months)
    return {
        "recommendations_per_manager_week": round(sum(cells) / len(cells), 2) if cells else 0.0,
        "recommendations_per_manager_week_max": max(cells, default=0),
        "daily_flags_per_seller_month": round(sum(flags.values()) / seller_months, 2) if seller_months else 0.0,
        "daily_flags_per_seller_month_max": max(flags.values(), default=0),
        "max_open_focus_areas": max(open_focus.values(), default=0),
    }


def evaluate(truth: dict, signal: Signal) -> dict:
    from .role_evaluation import role_misses, score_role_patterns  # it reads this module's TARGETS

    figures = {
        "scale": truth.get("scale"), "seed": truth.get("seed"), "as_of": truth["as_of"],
        "assessments": len(set(signal.assessment_dates)),
        "events": score_events(truth, signal),
        "escalations": score_escalations(truth, signal),
        "process_gaps": score_process_gaps(truth, signal),
        "deal_health": score_deal_health(truth, signal),
        "budget": budget(truth, signal),
        "role_patterns": score_role_patterns(truth, signal.events, signal.escalations, signal.assessment_dates),
    }
    figures["misses"] = misses(figures) + role_misses(figures["role_patterns"])
    return figures


def misses(figures: dict) -> list[str]:
    """The targets a result does not meet, in words."""
    out = []
    checks = [
        ("event precision", figures["events"]["overall"]["precision"], TARGETS["event_precision"], ">="),
        ("event recall", figures["events"]["overall"]["recall"], TARGETS["event_recall"], ">="),
        ("escalation precision", figures["escalations"]["overall"]["precision"], TARGETS["escalation_precision"], ">="),
        ("deal health ROC AUC", figures["deal_health"]["auc"], TARGETS["deal_auc"], ">="),
        ("new recommendations per manager-week", figures["budget"]["recommendations_per_manager_week"],
         TARGETS["recommendations_per_manager_week"], "<="),
        ("daily flags per seller-month", figures["budget"]["daily_flags_per_seller_month"],
         TARGETS["daily_flags_per_seller_month"], "<="),
        ("open focus areas of a seller", figures["budget"]["max_open_focus_areas"], TARGETS["max_open_focus_areas"], "<="),
    ]
    for name, value, target, op in checks:
        if value is None:
            out.append(f"{name}: nothing to measure")
        elif (op == ">=" and value < target) or (op == "<=" and value > target):
            out.append(f"{name} {value} (target {op} {target})")
    return out
