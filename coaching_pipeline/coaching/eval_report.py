"""`coaching eval`: read the coaching signal from the published analytics file (a reader,
never the warehouse), score it against the ground truth beside the landing zone
(evaluation.py) and say it in a table."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ..config import CoachingSettings
from .evaluation import TARGETS, Signal, evaluate
from .role_evaluation import report_lines as role_report_lines

TRUTH_SUFFIX = "_ground_truth.json"


def truth_path(landing: Path) -> Path:
    """Where the generator writes its ground truth: beside the landing zone, named after it
    (data/landing -> data/landing_ground_truth.json; sample_generator truth.py)."""
    landing = Path(landing)
    return landing.with_name(f"{landing.name}{TRUTH_SUFFIX}")


class NoTruth(FileNotFoundError):
    def __init__(self, path: Path):
        super().__init__(f"no ground truth at {path}: only a landing zone written by `coaching generate` has one")


def load_truth(path: Path) -> dict:
    if not path.is_file():
        raise NoTruth(path)
    return json.loads(path.read_text())


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def read_signal(published: Path, cfg: CoachingSettings) -> Signal:
    """The signal of a published file (or a warehouse: the same schemas), attached under a
    fixed alias so a file named coaching.duckdb never makes `coaching.x` ambiguous."""
    if not Path(published).is_file():
        raise FileNotFoundError(f"no analytics file at {published}: run `coaching run` first")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{str(published).replace(chr(39), chr(39) * 2)}' as evaluated (read_only)")
        con.execute("use evaluated")
        dates = [r[0] for r in con.execute(
            "select distinct assessment_date from coaching.skill_assessment_log order by 1").fetchall()]
        if not dates:
            raise ValueError(f"{published} holds no weekly assessment: run `coaching run` first")
        # every event counts in the budget; skill events are scored per skill, role patterns per rule
        events = _rows(con, """
            select rep_id, case when pattern_key like 'skill:%' then substr(pattern_key, 7) end as skill,
                   pattern_key, opened_on, manager_id, surfaced_on,
                   status = 'open' and not coalesce(queued, false) and approval_status <> 'dismissed' as open_focus
            from coaching.coaching_log""")
        escalations = _rows(con, """
            select rep_id, rule, case when pattern_key like 'skill:%' then substr(pattern_key, 7) end as skill,
                   pattern_key, escalation_date
            from coaching.escalations where rule <> 'manual'""")
        process = [tuple(r) for r in con.execute("""
            select distinct role, skill from coaching.process_gaps
            where assessment_date = (select max(assessment_date) from coaching.process_gaps)""").fetchall()]
        flags = _rows(con, "select rep_id, flag_date from coaching.daily_flags")
        health = dict(con.execute("select opportunity_id, health_score from marts.deal_health_scores").fetchall())
        managers = [r[0] for r in con.execute(
            "select distinct manager_id from coaching.skill_assessment_log where manager_id is not null").fetchall()]
    finally:
        con.close()
    return Signal(assessment_dates=dates, events=events, escalations=escalations, process_gaps=process,
                  daily_flags=flags, health=health, managers=managers, attainment_below=cfg.attainment_below,
                  attainment_days_left=cfg.attainment_days_left, bottom_quartile_days=cfg.bottom_quartile_days)


def run_eval(landing: Path, published: Path, cfg: CoachingSettings) -> dict:
    return evaluate(load_truth(truth_path(landing)), read_signal(published, cfg))


def _two_places(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _line(name: str, s: dict) -> str:
    return (f"  {name:<22} {s['right']:>5}/{s['made']:<5} precision {_two_places(s['precision']):>5}   "
            f"{s['found']:>5}/{s['expected']:<5} recall {_two_places(s['recall']):>5}")


def report(figures: dict) -> list[str]:
    ev, esc, pg, dh, b = (figures[k] for k in ("events", "escalations", "process_gaps", "deal_health", "budget"))
    lines = [f"Coaching signal against the ground truth (scale {figures['scale']}, seed {figures['seed']}, "
             f"as of {figures['as_of']}, {figures['assessments']} weekly assessments)",
             f"Coaching events (target precision >= {TARGETS['event_precision']}, recall >= {TARGETS['event_recall']})",
             _line("all skills", ev["overall"])]
    lines += [_line(skill, s) for skill, s in ev["per_skill"].items()]
    lines += [f"Escalations (target precision >= {TARGETS['escalation_precision']})", _line("all rules", esc["overall"])]
    lines += [_line(rule, s) for rule, s in esc["per_rule"].items()]
    lines += [f"Process gaps: planted {', '.join(pg['planted']) or 'none'}; reported {', '.join(pg['reported']) or 'none'}",
              _line("process gaps", pg),
              f"Deal health: ROC AUC {_two_places(dh['auc'])} over {dh['scored']} open deals at as_of "
              f"({dh['lost']} lost after it, {dh['won']} won; target >= {TARGETS['deal_auc']})",
              f"Budget: {b['recommendations_per_manager_week']} new recommendations per manager-week "
              f"(max {b['recommendations_per_manager_week_max']}; target <= {TARGETS['recommendations_per_manager_week']:g}), "
              f"{b['daily_flags_per_seller_month']} daily flags per seller-month "
              f"(max {b['daily_flags_per_seller_month_max']}; target <= {TARGETS['daily_flags_per_seller_month']:g}), "
              f"at most {b['max_open_focus_areas']} open focus areas per seller "
              f"(target <= {TARGETS['max_open_focus_areas']})"]
    lines += role_report_lines(figures.get("role_patterns"), _line)
    lines.append("Targets met." if not figures["misses"] else "Targets missed: " + "; ".join(figures["misses"]))
    return lines
