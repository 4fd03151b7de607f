"""The dashboard's activity analysis: the pure figures on hand-made rows, then over HTTP on
dashboard_org's file (its docstring computes every expected figure by hand): the 30-day mix,
per business day you vs team vs Top 25%, the trend, the as_of fallback, and the guardrail (a
rep sees group means only, and only when two other sellers contribute)."""

import datetime as dt
import json

import duckdb
import pytest

from coaching_pipeline.workbench.activity_queries import group_mean, mix, per_day

from . import dashboard_org as org
from .app_org import RunningServer, build_published
from .test_app_http import signed_in

pytestmark = pytest.mark.xdist_group("workbench_http")


def _day(business=True, **counts) -> dict:
    row = {f"{k}_count": counts.get(k, 0) for k in ("call", "email", "meeting", "demo", "social", "task", "other")}
    row["activity_count"] = sum(counts.get(k, 0) for k in ("call", "email", "meeting", "demo"))
    return {**row, "is_business_day": business}


def test_mix_and_per_day_on_three_days():
    days = [_day(call=2, email=2), _day(meeting=1, task=3), _day(False, call=5, social=2)]
    got = mix(days)
    assert [(s["key"], s["count"], s["share"]) for s in got["selling"]] == [
        ("call", 7, 0.7), ("email", 2, 0.2), ("meeting", 1, 0.1), ("demo", 0, 0.0)]
    assert got["total"] == 10
    assert [(b["key"], b["count"]) for b in got["beside"]] == [("social", 2), ("task", 3), ("other", 0)]
    assert per_day(days) == 2.5  # (4 + 1) / 2 business days; the Saturday only in the mix
    assert per_day([_day(False, call=1)]) is None
    assert mix([])["selling"][0]["share"] is None


def test_group_mean_needs_enough_other_sellers():
    values = {"me": 4.0, "a": 2.0, "b": None, "c": 6.0}
    assert group_mean(values, {"me", "a", "b", "c"}, "me", 2) == {"value": 4.0, "text": "4.0", "sellers": 3}
    assert group_mean(values, {"me", "a", "b"}, "me", 2)["value"] is None  # one other with a value
    assert group_mean(values, {"me", "a", "b"}, "me", 0)["value"] == 3.0
    assert group_mean(values, set(), "me", 0) == {"value": None, "text": "n/a", "sellers": None}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    published = org.build_dashboard(tmp_path_factory.mktemp("activity") / "analytics.duckdb")
    with RunningServer(published) as running:
        yield running


def _activity(s, server, rep="r1") -> dict:
    return s.get(server.url + f"/api/reps/{rep}/dashboard").json()["activity"]


def test_rep_sees_the_30_day_mix_per_day_and_trend(server):
    s = signed_in(server, "r1")
    a = _activity(s, server)
    assert (a["start"], a["as_of"], a["as_of_source"], a["window_days"]) == ("2026-10-15", "2026-11-13", "as_of", 30)
    assert [(m["key"], m["count"]) for m in a["mix"]["selling"]] == [
        ("call", 51), ("email", 42), ("meeting", 9), ("demo", 4)]
    assert a["mix"]["total"] == 106
    assert [(b["key"], b["count"]) for b in a["mix"]["beside"]] == [("social", 4), ("task", 4), ("other", 0)]
    assert a["mix"]["selling"][0]["share"] == pytest.approx(51 / 106)
    assert a["per_day"]["you"]["value"] == pytest.approx(org.YOU) and a["per_day"]["you"]["text"] == "4.6"
    assert a["per_day"]["team"]["value"] == pytest.approx(org.TEAM) and a["per_day"]["team"]["text"] == "4.5"
    assert a["per_day"]["team"]["sellers"] == 3  # Ron has no rows
    assert a["per_day"]["top"] == {"value": None, "text": "n/a", "sellers": None}  # only Rex besides her
    assert len(a["trend"]) == 22 and a["low_days"] == 10 and a["low_day_threshold"] == 5
    assert a["trend"][0] == {"date": "2026-10-15", "count": 2, "low": True}  # a Thursday
    assert a["trend"][-1] == {"date": "2026-11-13", "count": 4, "low": True}
    assert "charts" not in a  # markup is for the page

    page = s.get(server.url + "/reps/r1").text
    section = page.split('id="activity"', 1)[1].split("</section>", 1)[0]
    for text in ("Activity analysis: last 30 days", "15 Oct 2026 to 13 Nov 2026", "<dd>4.6</dd>", "<dd>4.5</dd>",
                 "<dd>n/a</dd>", "Also 4 social touches, 4 tasks (not counted as activities)",
                 "Activities by type: 106 in all; calls 51, emails 42, meetings 9, demos 4.",
                 "22 business days, 10 low days below 5 activities, 4.6 per day on average", "Low day (10)"):
        assert text in section, text
    assert "Top 25% per day" not in section  # no reference line without the figure


def test_a_rep_never_gets_another_sellers_name_or_figure(server):
    s = signed_in(server, "r1")
    text = s.get(server.url + "/reps/r1").text + json.dumps(s.get(server.url + "/api/reps/r1/dashboard").json())
    for other in ("Ravi Rep", "Rhea Rep", "Ron Rep", "Rex Rep", "Rosa Rep", '"r2"', '"r4"', '"r6"'):
        assert other not in text, other
    # Ravi sees the Top 25% mean: Rita and Rex are two other sellers
    ravi = _activity(signed_in(server, "r2"), server, "r2")
    assert ravi["per_day"]["you"]["value"] == 3.0
    assert ravi["per_day"]["top"]["value"] == pytest.approx(org.TOP)
    assert ravi["per_day"]["team"]["value"] == pytest.approx(org.TEAM)
    assert [(m["key"], m["count"]) for m in ravi["mix"]["selling"]][0] == ("call", 66)  # 22 x 3, not the 14 Oct 100


def test_the_manager_sees_the_top_25_mean_and_its_reference_line(server):
    s = signed_in(server, "m1")
    a = _activity(s, server)
    assert a["per_day"]["top"]["value"] == pytest.approx(org.TOP) and a["per_day"]["top"]["text"] == "6.3"
    section = s.get(server.url + "/reps/r1").text.split('id="activity"', 1)[1].split("</section>", 1)[0]
    assert "(top 25% daily average: 6.3)" in section and "Top 25% per day" in section


def test_without_a_publication_row_the_window_ends_at_the_latest_activity(tmp_path):
    published = org.build_dashboard(tmp_path / "analytics.duckdb", publication=False)
    con = duckdb.connect(str(published))
    con.execute("delete from marts.rep_activities where activity_date > '2026-11-12'")
    con.close()
    with RunningServer(published) as server:
        a = _activity(signed_in(server, "m1"), server)
        page = signed_in(server, "m1").get(server.url + "/reps/r1").text
    assert (a["start"], a["as_of"], a["as_of_source"]) == ("2026-10-14", "2026-11-12", "latest activity")
    # 14 Oct's 50 calls are in this window; 13 Nov's 2 calls are not
    assert a["mix"]["selling"][0]["count"] == 51 - 2 + 50
    assert "(the latest activity in the data)" in page


def test_a_file_without_rep_activities_says_so(tmp_path):
    with RunningServer(build_published(tmp_path / "analytics.duckdb")) as server:
        s = signed_in(server, "r1")
        assert _activity(s, server) is None
        assert "No activity figures in the published data yet." in s.get(server.url + "/reps/r1").text


def test_dates_are_the_marts_own(server):
    """The trend holds business days only, in date order, all inside the window."""
    a = _activity(signed_in(server, "m1"), server)
    days = [dt.date.fromisoformat(d["date"]) for d in a["trend"]]
    assert days == sorted(days) and all(d.weekday() < 5 and org.START <= d <= org.AS_OF for d in days)
