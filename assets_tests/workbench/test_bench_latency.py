"""The benchmark's workbench stage, its pure parts: nearest-rank percentiles of a hand list,
what counts as a page missing or failed, and the p95 target in the results."""

import datetime as dt
from collections import Counter

import pytest

from bench.__main__ import summarize
from bench.procs import StageRun
from bench.report import table
from bench.workbench_latency import latency_summary, page_status, percentile, slowest_p95


def test_nearest_rank_percentiles_of_a_hand_list():
    ms = [float(x) for x in (12, 3, 7, 20, 1, 15, 9, 4, 18, 6, 2, 11, 19, 5, 14, 8, 17, 10, 16, 13)]  # 1..20
    assert (percentile(ms, 50), percentile(ms, 95), percentile(ms, 100)) == (10.0, 19.0, 20.0)
    assert percentile([42.0], 95) == 42.0
    assert slowest_p95({"team": {"status": "missing", "p95_ms": 9.0}}) is None
    assert latency_summary([10.04, 30.0, 20.0, 500.0]) == {"n": 4, "p50_ms": 20.0, "p95_ms": 500.0, "max_ms": 500.0}
    with pytest.raises(ValueError):
        percentile([], 50)


def test_a_page_not_built_yet_is_missing_and_anything_else_not_200_fails():
    assert page_status(Counter({200: 200}), may_be_missing=False) == "ok"
    assert page_status(Counter({404: 200}), may_be_missing=True) == "missing"
    assert page_status(Counter({404: 200}), may_be_missing=False) == "failed"
    assert page_status(Counter({200: 199, 500: 1}), may_be_missing=True) == "failed"
    assert page_status(Counter({404: 10, 200: 190}), may_be_missing=True) == "failed"


def _workbench_run(p95_dashboard: float) -> StageRun:
    pages = {"dashboard": {"path": "/reps/r1", "statuses": {"200": 200}, "status": "ok", "n": 200, "p50_ms": 20.0,
                           "p95_ms": p95_dashboard, "max_ms": 300.0},
             "inbox": {"path": "/inbox", "statuses": {"200": 200}, "status": "ok", "n": 200, "p50_ms": 15.0,
                       "p95_ms": 40.0, "max_ms": 90.0},
             "team": {"path": "/team", "statuses": {"404": 200}, "status": "missing", "n": 200, "p50_ms": 2.0,
                      "p95_ms": 900.0, "max_ms": 900.0}}
    assert slowest_p95(pages) == p95_dashboard  # the inbox is faster; the missing team page does not count
    result = {"success": True, "seconds": 30.0, "rows": 700, "pages": pages, "p95_ms": slowest_p95(pages),
              "target_p95_ms": 150.0, "manager_id": "m1",
              "during_publish": {"publishes": 2, "requests": 100, "statuses": {"200": 100}, "max_ms": 400.0,
                                 "ok": True}}
    return StageRun("workbench", 33.0, 300.0, 300.0, 0, result)


@pytest.mark.parametrize(("p95", "passed"), [(149.9, True), (150.0, False)])
def test_the_p95_target_is_the_slowest_measured_page(p95, passed):
    results = summarize("M", dt.date(2026, 11, 13), dt.datetime(2026, 11, 14, tzinfo=dt.UTC),
                        {"workbench": _workbench_run(p95)}, {}, {}, {}, {}, dt.date(2026, 10, 1))
    check = results["targets"]["workbench_p95_ms"]
    assert (check["value"], check["target"], check["pass"]) == (p95, "< 150.0", passed)
    assert results["workbench"]["pages"]["team"]["status"] == "missing"
    text = table(results)
    assert f"  dashboard  ok       200: 200          20.0{p95:>8.1f}   300.0  /reps/r1\n" in text
    assert "  team       missing  404: 200             -       -       -  /team\n" in text
    assert "reads while publishing (2 publications): 100 requests, HTTP 200: 100, max 400.0 ms\n" in text


def test_the_bench_records_the_signal_and_fails_on_a_missed_target():
    args = ("M", dt.date(2026, 11, 13), dt.datetime(2026, 11, 14, tzinfo=dt.UTC), {}, {}, {}, {}, {},
            dt.date(2026, 10, 1))
    assert summarize(*args)["targets"]["signal_targets"] == {"target": "coaching contract", "value": None,
                                                             "pass": False}  # not evaluated
    missed = {"misses": ["event recall 0.7 (target >= 0.8)"]}
    results = summarize(*args, missed)
    assert results["signal"] is missed
    assert results["targets"]["signal_targets"] == {"target": "coaching contract",
                                                    "value": "event recall 0.7 (target >= 0.8)", "pass": False}
    assert summarize(*args, {"misses": []})["targets"]["signal_targets"]["pass"]
