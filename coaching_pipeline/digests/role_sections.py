"""The role sections (roles contract, last paragraph), from role_metrics rows (role_lines):

- `rep_section`: "Your <role> metrics" of one seller and month, the role's performance summary
  and pattern diagnosis; only the seller's own role's metrics and their own row, benchmarks
  guarded (role_lines);
- `team_rollup`: per role of a team, one row per seller with the role's headline metrics (its
  performance summary), the team's median of the sellers' values and the cohort benchmark.

Why the team's value is the median of its sellers' values and not a pooled rate: the benchmark
it stands beside is the role cohort's median of sellers (the mart's `<m>_benchmark`), so both
sides are "the typical seller", of the team and of the cohort. Sellers whose value is null
(below the minimum sample, input not delivered) are left out of it and counted ("2 of 3
sellers").

A warehouse without role_metrics (built before it existed) prints as if no role data was
delivered: the section says so in one sentence and the roll-up has no rows.
"""

from __future__ import annotations

import statistics

from .formatting import pct
from .role_catalog import ROLES, SECTION_TITLES, headline, metrics_of, min_sample
from .role_lines import metric_lines, signed, window_text

ROLE_PLURALS = {"AE": "AEs", "AM": "AMs", "CSM": "CSMs", "SDR": "SDRs"}
SEGMENT_NOTES = {  # the entries whose benchmark is the segment cohort's (role_catalog cohort "segment")
    "AE": "; stage, days-in-stage and discount medians are of your segment's AEs",
    "AM": "; the NRR median is of your segment's AMs",
}
NO_DATA = "no role data was delivered"


def no_data_text(role: str, month_label: str) -> str:
    return f"No {role} metrics for {month_label}: {NO_DATA}."


def rep_section(row: dict | None, role: str | None, cohort: list[dict], cfg, month_label: str, *,
                guard: bool = True) -> dict | None:
    """The seller's role section, or None for a role outside the four (no section). `row`: the
    seller's role_metrics row of the month (None: no row, or no role_metrics at all); `cohort`:
    every row of the same role and month; `guard`: hide a median too few peers make up."""
    role = (row or {}).get("role") or role
    metrics = metrics_of(role)
    if not metrics:
        return None
    title = f"Your {role} metrics"
    if row is None:
        return {"role": role, "title": title, "empty": no_data_text(role, month_label), "intro": None,
                "note": None, "sections": []}
    sections = []
    for key, heading in SECTION_TITLES.items():
        lines = [line for m in metrics if m.section == key for line in metric_lines(m, row, cohort, cfg, guard=guard)]
        if lines:
            sections.append({"key": key, "title": heading, "lines": lines})
    intro = (f"{window_text(row, month_label)}; each median is of the {ROLE_PLURALS[role]} in the same month"
             + SEGMENT_NOTES.get(role, "") + ".")
    note = f"A rate on fewer than {min_sample(cfg, '')} cases shows as not enough data, never as zero."
    return {"role": role, "title": title, "empty": None, "intro": intro, "note": note, "sections": sections}


# --- the roll-up ------------------------------------------------------------------------

def _fmt(kind: str):
    if kind == "trend":
        return lambda x: "n/a" if x is None else signed(x, "points a month")
    return pct


def _team_median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _cohort_value(rows: list[dict], column: str, fmt) -> str:
    """The cohort benchmark of the team's rows: one value for a role cohort; when the team's
    sellers sit in different segment cohorts there is no single one to print."""
    found = sorted({r[column] for r in rows if r.get(column) is not None})
    if not found:
        return "n/a"
    return fmt(found[0]) if len(found) == 1 else "varies by segment"


def team_rollup(team: list[dict], rows_by_rep: dict[str, dict], cfg, month_label: str) -> dict:
    """`team`: the sellers, each {"rep_id", "name", "role"} (the user's role, used when the seller
    has no row), in the order to print; `rows_by_rep`: the month's role_metrics rows by rep id."""
    groups = []
    for role in ROLES:
        members = [t for t in team if ((rows_by_rep.get(t["rep_id"]) or {}).get("role") or t.get("role")) == role]
        if not members:
            continue
        columns = headline(role)
        rows = [rows_by_rep[t["rep_id"]] for t in members if t["rep_id"] in rows_by_rep]
        sellers = []
        for t in members:
            row = rows_by_rep.get(t["rep_id"])
            cells = ([metric_lines(m, row, [], cfg, guard=False)[0]["short"] for m in columns] if row
                     else ["no data"] * len(columns))
            sellers.append({"rep_id": t["rep_id"], "name": t["name"], "cells": cells})
        team_cells, bench_cells = [], []
        for m in columns:
            fmt = _fmt(m.kind)
            values = [r.get(m.key) for r in rows]
            measured = sum(1 for v in values if v is not None)
            team_cells.append(f"{fmt(_team_median(values))} ({measured} of {len(members)} "
                              f"seller{'s' if len(members) != 1 else ''})")
            bench_cells.append(_cohort_value(rows, f"{m.key}_benchmark", fmt))
        groups.append({"role": role, "title": f"{ROLE_PLURALS[role]} ({len(members)})",
                       "columns": [m.label for m in columns], "sellers": sellers,
                       "team": team_cells, "benchmark": bench_cells,
                       "benchmark_label": f"{role} median", "has_rows": bool(rows)})
    return {"month_label": month_label, "available": any(g["has_rows"] for g in groups), "groups": groups,
            "empty": None if groups else "No seller of the four coached roles (AE, AM, CSM, SDR) on the team."}
