"""Example calls behind a coaching event (coaching contract, "Evidence or silence": up to
three example calls, with their Gong links): for an event whose weakest component is a
per-call Gong metric (questions per call, talk ratio, monologue, patience, customer story),
the seller's External calls of the conversation window before the event's latest assessment
that show the gap most, worst first; for a share of calls by Gong tracker (calls ending with a
next step, objection calls that still reached one), the calls that missed it, latest first. Pure; rules.replay calls it with the calls it was given.

Decisions where the contract is silent:
- "Worst" follows the side of the target band the seller missed: below it (too few
  questions, too short a story), the lowest values first; above it (talking too much, too
  long a monologue), the highest first. Ties: the later call first, then the call id.
- A resolved event, or one whose weakest component is not a per-call metric (scorecards,
  deals), gets no example calls (null: not applicable), never an empty list; an event
  whose window holds no call with the metric gets [].
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from ..config import CoachingSettings
from .component_values import CALL_MEANS

MAX_EXAMPLES = 3
# Shares of calls by tracker (component_values.py): the calls counted, of which those with the
# next-steps tracker; the examples are counted calls without it.
TRACKER_SHARES = {
    "next_steps_call_share": pl.lit(True),
    "objection_calls_with_next_steps": pl.col("tracker_objection") > 0,
}


def calls_by_rep(calls: pl.DataFrame | None) -> dict[str, pl.DataFrame]:
    """rep_id -> that seller's External calls (one pass over the calls for every event)."""
    if calls is None or calls.is_empty():
        return {}
    external = calls.filter(pl.col("is_external").fill_null(False) & pl.col("rep_id").is_not_null())
    return {key[0]: frame for key, frame in external.partition_by("rep_id", as_dict=True).items()}


def example_calls(event: dict, calls: pl.DataFrame | None, cfg: CoachingSettings) -> str | None:
    """The JSON list of up to MAX_EXAMPLES calls (call_id, title, url, call_date, value) of an
    open event (its `_weakest` and `_weakest_value`, as the clock recorded them), from the
    seller's External calls (calls_by_rep); None when not applicable."""
    component = event.get("_weakest") or ""
    column = CALL_MEANS.get(component) or ("tracker_next_steps" if component in TRACKER_SHARES else None)
    band = cfg.targets.get(component)
    if event["status"] != "open" or column is None:
        return None
    if calls is None:
        return "[]"
    day = event["last_assessed_on"]
    rows = calls.filter(
        pl.col("call_date").is_between(day - dt.timedelta(days=cfg.conversation_window_days), day - dt.timedelta(days=1))
        & pl.col(column).is_not_null())
    if component in TRACKER_SHARES:  # the calls the share missed: no next step (on an objection call)
        rows = rows.filter(TRACKER_SHARES[component] & (pl.col("tracker_next_steps") == 0))
    value = event.get("_weakest_value")
    too_high = band is not None and value is not None and value > band.high
    ordered = rows.sort([column, "call_date", "call_id"], descending=[too_high, True, False]).head(MAX_EXAMPLES)
    return json.dumps([
        {"call_id": r["call_id"], "title": r["title"], "url": r["url"], "call_date": r["call_date"].isoformat(),
         "value": r[column]}
        for r in ordered.select("call_id", "title", "url", "call_date", column).iter_rows(named=True)])
