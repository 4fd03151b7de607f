"""One role_metrics row's entries as printed (roles contract): each metric of the seller's role
(role_catalog) as a line with its value, its numerator and denominator in words ("2 of 40
touches"), the cohort benchmark, or why there is no value. Pure functions of plain rows; the
digests and the workbench print the same texts.

Why a value is missing, in this order (never a zero):
1. the org never delivered the input (role_metrics' coverage columns): "no customer-success
   data", "no sequence data in the activity log", "no line items";
2. the sample is below the minimum (roles.min_sample, the mart nulls the rate but keeps its
   numerator and denominator): "not enough data (7 of 10)";
3. anything else (no quota, no Commit amount, no won line item): "n/a" with the reason when
   the row says it.

Benchmarks: the cohort median of the mart (`<m>_benchmark`, the role's cohort, or the
segment's for stage conversion, days in stage and discount depth). Shown to a rep only when at
least MIN_PEERS_IN_BENCHMARK other sellers of that cohort have a value in the month (`guard`):
the median of the rep and one peer would give the peer's figure away, the rule of every group
figure the rep digest prints.
"""

from __future__ import annotations

from collections.abc import Callable

from . import defaults
from .formatting import day_text, money, num, pct
from .role_catalog import CADENCE_LABELS, MISSING_TEXT, RoleMetric, forecast_band, min_sample


def count(x) -> str:
    return f"{x:,.0f}"


def signed(x, unit: str) -> str:
    return f"{x:+,.1f} {unit}"


def _line(m: RoleMetric, label: str, *, value: str | None = None, detail: str | None = None,
          benchmark: str | None = None, note: str | None = None, reason: str | None = None,
          status: str = "value", item: str | None = None) -> dict:
    """status: value | small (below the minimum sample) | missing (input not delivered) | none."""
    if value is not None:
        text = f"{label} {value}" + (f" ({detail})" if detail else "") + (f"; {benchmark}" if benchmark else "")
        short = value + (f" ({detail})" if detail and status == "value" and m.kind == "share" else "")
    else:
        text, short = f"{label}: {reason}", reason
    if note:
        text += f"; {note}"
    return {"key": m.key, "item": item, "label": label, "section": m.section, "status": status, "value": value,
            "detail": detail, "benchmark": benchmark, "note": note, "reason": reason, "text": text, "short": short}


class Context:
    """What the lines of one row need beside it: its cohort rows (same role and month, the row
    included), the settings (minimum samples, forecast band) and whether benchmarks are guarded."""

    def __init__(self, row: dict, cohort: list[dict], cfg, guard: bool):
        self.row, self.cohort, self.cfg, self.guard = row, cohort, cfg, guard
        self.role = row.get("role") or ""

    def cohort_label(self, m: RoleMetric) -> str:
        segment = self.row.get("segment") if m.cohort == "segment" else None
        return f"{segment} {self.role} median" if segment else f"{self.role} median"

    def peers(self, m: RoleMetric, has_value: Callable[[dict], bool]) -> int:
        """Other sellers of the benchmark's cohort with a value (same segment for a segment cohort)."""
        same = [r for r in self.cohort if r.get("rep_id") != self.row.get("rep_id")]
        if m.cohort == "segment":
            same = [r for r in same if r.get("segment") == self.row.get("segment")]
        return sum(1 for r in same if has_value(r))

    def benchmark(self, m: RoleMetric, value, fmt, has_value: Callable[[dict], bool] | None = None,
                  present: bool = True) -> str | None:
        """'SDR median 4%'; None (no clause) for a metric without a benchmark, or when the
        mart has no benchmark column for it (`present`)."""
        if m.cohort is None or not present:
            return None
        if value is not None and self.guard and self.peers(m, has_value or (lambda r: r.get(m.key) is not None)) \
                < defaults.MIN_PEERS_IN_BENCHMARK:
            value = None  # too few peers: the median would show one of them
        return f"{self.cohort_label(m)} {fmt(value)}"

    def row_benchmark(self, m: RoleMetric, fmt) -> str | None:
        """The benchmark of a row-level metric, from its `<m>_benchmark` column."""
        column = f"{m.key}_benchmark"
        return self.benchmark(m, self.row.get(column), fmt, present=column in self.row)

    def missing(self, m: RoleMetric) -> str | None:
        """The input the org never delivered (None: delivered, or the row does not say): the
        first of the metric's coverage columns the row has decides."""
        column = next((n for n in m.needs if n in self.row), None)
        if column is not None and self.row[column] is False:
            return MISSING_TEXT[column]
        if "has_opportunity_history" in m.needs and column is None and self.row.get(m.key) is None:
            # the mart leaves a stage list null (not empty) without OpportunityHistory
            return MISSING_TEXT["has_opportunity_history"]
        return None

    def small(self, metric: str, sample) -> str | None:
        """'not enough data (7 of 10)' when a null rate's sample is below the minimum."""
        need = min_sample(self.cfg, metric)
        if sample is None or sample < need:
            return f"not enough data ({count(sample or 0)} of {need})"
        return None


def _share(m: RoleMetric, c: Context, numerator: str | None = None, denominator: str | None = None,
           note: str | None = None) -> list[dict]:
    """A rate with its numerator and denominator in words."""
    row = c.row
    value, top = row.get(m.key), row.get(numerator or f"{m.key}_numerator")
    bottom = row.get(denominator or f"{m.key}_denominator")
    if value is None:
        small = c.small(m.key, bottom)
        return [_line(m, m.label, reason=small or "n/a", status="small" if small else "none", note=note)]
    detail = f"{count(top)} of {count(bottom)} {m.unit}" if top is not None and bottom is not None else None
    return [_line(m, m.label, value=pct(value), detail=detail,
                  benchmark=c.row_benchmark(m, pct), note=note)]


def _late(m: RoleMetric, c: Context) -> list[dict]:
    # renewals are timed against the contract's EndDate, else their CloseDate (roles contract)
    note = f"judged against close dates: {MISSING_TEXT['has_contracts']}" if c.row.get("has_contracts") is False \
        else None
    return _share(m, c, note=note)


def _tier_drops(m: RoleMetric, c: Context) -> list[dict]:
    row = c.row
    value, drops, accounts = row.get(m.key), row.get("book_tier_drops"), row.get("book_accounts")
    if value is None:
        small = c.small(m.key, accounts)
        return [_line(m, m.label, reason=small or "n/a", status="small" if small else "none")]
    return [_line(m, m.label, value=pct(value),
                  detail=f"{count(drops)} of {count(accounts)} accounts in the month" if drops is not None else None)]


def _trend(m: RoleMetric, c: Context) -> list[dict]:
    row = c.row
    value, accounts = row.get(m.key), row.get("book_accounts")
    fmt = lambda x: "n/a" if x is None else signed(x, "points a month")  # noqa: E731
    if value is None:
        small = c.small(m.key, accounts)
        return [_line(m, m.label, reason=small or "n/a", status="small" if small else "none")]
    return [_line(m, m.label, value=fmt(value), detail=f"{count(accounts)} accounts" if accounts is not None else None,
                  benchmark=c.row_benchmark(m, fmt))]


def _attainment(m: RoleMetric, c: Context) -> list[dict]:
    row = c.row
    value, top, bottom = row.get(m.key), row.get(f"{m.key}_numerator"), row.get(f"{m.key}_denominator")
    if value is None:
        return [_line(m, m.label, reason="n/a (no quota this quarter)" if not bottom else "n/a", status="none")]
    return [_line(m, m.label, value=pct(value),
                  detail=f"won and Commit {money(top)} of {money(bottom)} quota to date" if bottom else None,
                  benchmark=c.row_benchmark(m, pct))]


def _forecast(m: RoleMetric, c: Context) -> list[dict]:
    row = c.row
    value, quarter = row.get(m.key), row.get("forecast_quarter")
    low, high = forecast_band(c.cfg)
    band = f"{low * 100:.0f}-{high * 100:.0f}%"
    out = row.get("forecast_quarters_out_of_band") or 0
    note = (f"outside the {band} band {out} closed quarters running" if out >= 2
            else f"outside the {band} band" if out == 1 else None)
    if value is None:
        reason = f"n/a (no Commit amount in {quarter})" if quarter and not row.get(f"{m.key}_denominator") else "n/a"
        return [_line(m, m.label, reason=reason, status="none")]
    won, commit = row.get(f"{m.key}_numerator"), row.get(f"{m.key}_denominator")
    parts = [f"{quarter}: " if quarter else "", f"won {money(won)} of {money(commit)} Commit"]
    previous = row.get("forecast_accuracy_previous")
    detail = "".join(parts) + (f"; the quarter before {pct(previous)}" if previous is not None else "")
    return [_line(m, m.label, value=pct(value), detail=detail,
                  benchmark=c.row_benchmark(m, pct), note=note)]


NRR_SOURCES = {"health_arr": "from customer-success ARR", "opportunities": "from renewal and expansion deals"}


def _nrr(m: RoleMetric, c: Context) -> list[dict]:
    row = c.row
    value, start = row.get(m.key), row.get("nrr_starting_arr")
    if value is None:
        return [_line(m, m.label, reason="n/a (no starting ARR in the period)" if not start else "n/a",
                      status="none")]
    detail = (f"starting ARR {money(start)}, expansion {money(row.get('nrr_expansion'))}, contraction "
              f"{money(row.get('nrr_contraction'))}, churn {money(row.get('nrr_churn'))}")
    source = NRR_SOURCES.get(row.get("nrr_source") or "")
    return [_line(m, m.label, value=pct(value), detail=detail + (f", {source}" if source else ""),
                  benchmark=c.row_benchmark(m, pct))]


def _discount(m: RoleMetric, c: Context) -> list[dict]:
    row = c.row
    value, won = row.get(m.key), row.get(f"{m.key}_denominator")
    if value is None:
        return [_line(m, m.label, reason="n/a (no won line items in the period)" if not won else "n/a",
                      status="none")]
    return [_line(m, m.label, value=pct(value), detail=f"over {money(won)} of won line items" if won else None,
                  benchmark=c.row_benchmark(m, pct))]


def _volume(m: RoleMetric, c: Context) -> list[dict]:
    row = c.row
    value, per_day, target = row.get(m.key), row.get("touches_per_business_day"), row.get("touch_target")
    if value is None:
        return [_line(m, m.label, reason="n/a (no business day in the period)" if per_day is None else "n/a",
                      status="none")]
    detail = f"{num(per_day)} touches a business day" + (f"; target {num(target, 0)}" if target is not None else "")
    return [_line(m, m.label, value=pct(value), detail=detail,
                  benchmark=c.row_benchmark(m, pct))]


def _score(m: RoleMetric, c: Context) -> list[dict]:
    value = c.row.get(m.key)
    if value is None:
        return []  # optional (NPS, CSAT): printed when the health data carries it
    trend = c.row.get(m.key.replace("_mean", "_trend"))
    decimals = 0 if m.key.startswith("nps") else 1
    return [_line(m, m.label, value=num(value, decimals),
                  detail=None if trend is None else f"trend {signed(trend, 'a month')}")]


# --- the list columns: one line per stage pair, stage, sequence step or cadence type ------

LIST_KINDS = {
    # kind: (sort key, item id, label, numerator, denominator, value, format, sample, empty text)
    "stage_conversions": (lambda i: (str(i.get("stage_pair")),), "stage_pair",
                          lambda i: f"Stage conversion {i.get('from_stage')} to {i.get('to_stage')}",
                          "converted", "left_stage", "rate", pct, "left_stage",
                          "no deal left an open stage in the window"),
    "days_in_stage": (lambda i: (i.get("stage_number") or 0, str(i.get("stage"))), "stage",
                      lambda i: f"Days in {i.get('stage')}", None, None, "median_days",
                      lambda x: "n/a" if x is None else f"{num(x, 0)} days", "sample",
                      "no deal left an open stage in the window"),
    "response_by_step": (lambda i: (i.get("sequence_step") or 0,), "sequence_step",
                         lambda i: f"Response rate at step {i.get('sequence_step')}",
                         "responses", "touches", "rate", pct, "touches", "no sequence touch in the month"),
    "response_by_cadence": (lambda i: (str(i.get("cadence_type")),), "cadence_type",
                            lambda i: "Response rate, " + CADENCE_LABELS.get(i.get("cadence_type"),
                                                                               str(i.get("cadence_type")))
                            + " cadence", "responses", "touches", "rate", pct, "touches",
                            "no cadence touch in the month"),
}


def _items(m: RoleMetric, c: Context) -> list[dict]:
    order, ident, label_of, top, bottom, value_key, fmt, sample_key, empty = LIST_KINDS[m.kind]
    items = sorted((i for i in (c.row.get(m.key) or []) if i), key=order)
    if not items:
        return [_line(m, m.label, reason=f"n/a ({empty})", status="none")]
    out = []
    for i in items:
        label, value = label_of(i), i.get(value_key)
        if value is None:
            small = c.small(m.key, i.get(sample_key))
            out.append(_line(m, label, reason=small or "n/a", status="small" if small else "none",
                             item=str(i.get(ident))))
            continue
        if top:
            detail = f"{count(i.get(top) or 0)} of {count(i.get(bottom) or 0)} {m.unit}"
        else:
            detail = f"median of {count(i.get(sample_key) or 0)} {m.unit}"

        def peer_has(r: dict, key=i.get(ident)) -> bool:
            return any(x and x.get(ident) == key and x.get(value_key) is not None for x in (r.get(m.key) or []))

        out.append(_line(m, label, value=fmt(value), detail=detail,
                         benchmark=c.benchmark(m, i.get("benchmark"), fmt, peer_has, present="benchmark" in i),
                         item=str(i.get(ident))))
    return out


BUILDERS = {"share": _share, "late": _late, "tier_drops": _tier_drops, "trend": _trend, "attainment": _attainment,
            "forecast": _forecast, "nrr": _nrr, "discount": _discount, "volume": _volume, "score": _score,
            **dict.fromkeys(LIST_KINDS, _items)}


def metric_lines(m: RoleMetric, row: dict, cohort: list[dict], cfg, *, guard: bool) -> list[dict]:
    """The lines of one entry of `row` (a role_metrics row as a dict)."""
    c = Context(row, cohort, cfg, guard)
    missing = c.missing(m)
    if missing:
        if m.optional:
            return []
        return [_line(m, m.label, reason=missing, status="missing")]
    return BUILDERS[m.kind](m, c)


def window_text(row: dict, month_label: str) -> str:
    """The period the row's figures cover, as the section's first sentence says it."""
    if row.get("role") == "SDR":
        return f"Touches, responses and meetings of {month_label}"
    start, end = row.get("window_start"), row.get("window_end")
    if start and end:
        return f"Deals, renewals and onboardings of {day_text(start)} to {day_text(end)}"
    return f"Figures of {month_label}"
