"""The role sections of the digests (issue 20; roles contract, last paragraph): "Your <role>
metrics" in the rep digest, the roll-up per role in the manager digest. Hand-made
marts.role_metrics rows (role_rows.py, the arithmetic there) read back through the digests'
reader and worded by role_sections, then laid out by the real templates (the Markdown and HTML
environments of render.py); and once end to end, through render_month on the CRM-only org of
assets_tests/dbt/crm_only_org.py with a role_metrics table added.

What a user relies on: each line's value with its numerator and denominator, the cohort median,
"not enough data (n of 10)" below the minimum sample, the missing input said ("no
customer-success data"), never a zero; a seller's digest names only their own role's metrics;
a warehouse without role_metrics says no role data was delivered; the same data renders the
same bytes."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import duckdb
import pytest

from coaching_pipeline.config import settings
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import Month, render_month
from coaching_pipeline.digests.month_data import read_role_metrics
from coaching_pipeline.digests.narrative import NarrativeConfig
from coaching_pipeline.digests.render import _environments, tidy_markdown
from coaching_pipeline.digests.role_catalog import CATALOG, min_sample
from coaching_pipeline.digests.role_sections import rep_section, team_rollup

from ..dbt.crm_only_org import A1, A2, M1, WEEK
from .october import AI_ENV, manifest, rep_doc, run_weeks
from .role_rows import OCTOBER, ae, am, create_role_metrics, every_row, sdr

pytestmark = pytest.mark.xdist_group("not_delivered")

MONTH = Month.of(OCTOBER)


@pytest.fixture(scope="module")
def month_rows():
    """The October rows as the digests read them back from a marts.role_metrics table."""
    con = duckdb.connect()
    create_role_metrics(con, every_row())
    rows = read_role_metrics(con, MONTH)
    assert read_role_metrics(con, Month.of("2026-09")) == []  # another month: no row
    con.close()
    return rows


def section_of(rows: list[dict], rep_id: str, *, guard: bool = True, **changes) -> dict:
    """The rep's section, the rep's row changed by `changes` (an org without an input)."""
    row = {**next(r for r in rows if r["rep_id"] == rep_id), **changes}
    cohort = [row if r["rep_id"] == rep_id else r for r in rows if r["role"] == row["role"]]
    return rep_section(row, None, cohort, settings(), MONTH.label, guard=guard)


def lines(section: dict) -> dict[str, list[str]]:
    return {s["title"]: [line["text"] for line in s["lines"]] for s in section["sections"]}


def markdown(section: dict) -> str:
    _, md = _environments()
    return tidy_markdown(md.get_template("_roles_rep.md.j2").render(r=section))


def test_sdr_section(month_rows):
    assert lines(section_of(month_rows, "s1")) == {
        "Performance summary": [
            "Meeting acceptance 5% (2 of 40 touches); SDR median 4%",
            # 2 meetings booked, below the minimum of 10: the mart's rate is null
            "Conversion to qualified opportunity: not enough data (2 of 10)",
        ],
        "Pattern diagnosis": [
            "Response rate at step 1 20% (6 of 30 touches); SDR median 15%",
            # only Sid has a step-2 rate (Sue's 5 touches are too few): a median of Sara and one
            # peer would give Sid's figure away, so Sara does not see it
            "Response rate at step 2 3% (1 of 30 touches); SDR median n/a",
            "Response rate at step 3: not enough data (4 of 10)",
            "Response rate, cold cadence 8% (4 of 50 touches); SDR median 10%",
            "Volume vs target 75% (45.0 touches a business day; target 60); SDR median 90%",
        ],
    }


def test_ae_section(month_rows):
    assert lines(section_of(month_rows, "a1")) == {
        "Performance summary": [
            "Attainment vs pace 92% (won and Commit 460k of 500k quota to date); AE median 85%",
            "Forecast accuracy 78% (2026-Q3: won 390k of 500k Commit; the quarter before 80%); AE median 97%; "
            "outside the 85-115% band 2 closed quarters running",
        ],
        "Pattern diagnosis": [
            "Stage conversion Qualification to Discovery: not enough data (6 of 10)",
            "Stage conversion Discovery to Proposal 45% (9 of 20 deals); Mid-Market AE median 65%",
            "Days in Qualification 6 days (median of 12 deals); Mid-Market AE median 5 days",
            "Discount depth on won deals 12% (over 340k of won line items); Mid-Market AE median 9%",
        ],
    }
    # Cal is the only Enterprise AE: no segment median for him, the role's medians stay
    cal = lines(section_of(month_rows, "a3"))
    assert cal["Pattern diagnosis"][-1] == \
        "Discount depth on won deals 12% (over 340k of won line items); Enterprise AE median n/a"
    assert cal["Performance summary"][0].endswith("; AE median 85%")
    # a manager's view is not guarded
    assert lines(section_of(month_rows, "a3", guard=False))["Pattern diagnosis"][-1].endswith(
        "Enterprise AE median 5%")


def test_am_section(month_rows):
    assert lines(section_of(month_rows, "am1")) == {
        "Performance summary": [
            # (1,200,000 + 80,000 - 10,000 - 20,000) / 1,200,000 = 104.2%
            "Net revenue retention 104% (starting ARR 1.20M, expansion 80k, contraction 10k, churn 20k, "
            "from renewal and expansion deals); Mid-Market AM median 101%",  # the segment's AMs
            "Renewal rate 80% (8 of 10 closed renewals); AM median 85%",
        ],
        "Pattern diagnosis": [
            "Book health trend -6.0 points a month (40 accounts); AM median -1.0 points a month",
            "Expansion conversion 40% (4 of 10 closed expansions); AM median 50%",
            "Renewals opened late 30% (3 of 10 renewals opened); AM median 10%; "
            "judged against close dates: no contracts",
            "Accounts dropping a health tier 10% (4 of 40 accounts in the month)",
        ],
    }


def test_csm_section(month_rows):
    assert lines(section_of(month_rows, "c1")) == {
        "Performance summary": [
            "Time to value on target 70% (7 of 10 onboardings); CSM median 60%",
            "Book health trend +2.5 points a month (25 accounts); CSM median +0.5 points a month",
        ],
        "Pattern diagnosis": [
            "Onboarding milestones on time 80% (12 of 15 milestones); CSM median 75%",
            "Escalation rate (at risk or critical) 16% (4 of 25 accounts); CSM median 20%",
            # delivered and truly none: a zero stays a zero
            "Accounts dropping a health tier 0% (0 of 25 accounts in the month)",
            "NPS 32 (trend +4.0 a month)",  # no CSAT in the health data: no CSAT line
        ],
    }


def test_a_missing_input_is_said_never_zero(month_rows):
    no_cs = lines(section_of(month_rows, "c1", has_cs_data=False, ttv_attainment=None, book_health_trend=None,
                             milestones_on_time=None, escalation_rate=None, book_tier_drop_share=None,
                             nps_mean=None))
    assert no_cs == {
        "Performance summary": ["Time to value on target: no customer-success data",
                                "Book health trend: no customer-success data"],
        "Pattern diagnosis": ["Onboarding milestones on time: no customer-success data",
                              "Escalation rate (at risk or critical): no customer-success data",
                              "Accounts dropping a health tier: no customer-success data"],
    }
    # health snapshots missing, onboarding delivered (when the mart says which): only the health metrics go
    no_health = lines(section_of(month_rows, "c1", has_cs_health=False, has_cs_onboarding=True,
                                 book_health_trend=None, escalation_rate=None, book_tier_drop_share=None,
                                 nps_mean=None))
    assert no_health["Performance summary"] == ["Time to value on target 70% (7 of 10 onboardings); CSM median 60%",
                                                "Book health trend: no customer-success health data"]
    assert no_health["Pattern diagnosis"][1:] == [
        "Escalation rate (at risk or critical): no customer-success health data",
        "Accounts dropping a health tier: no customer-success health data"]
    # no OpportunityHistory: the mart leaves the stage lists null, not empty
    no_history = lines(section_of(month_rows, "a1", stage_conversions=None, days_in_stage=None))
    assert no_history["Pattern diagnosis"][:2] == [
        "Stage conversion: no stage history (OpportunityHistory) in the CRM data",
        "Days in stage: no stage history (OpportunityHistory) in the CRM data"]
    assert lines(section_of(month_rows, "a1", stage_conversions=[]))["Pattern diagnosis"][0] == \
        "Stage conversion: n/a (no deal left an open stage in the window)"
    no_sequences = lines(section_of(month_rows, "s1", has_sequence_data=False, response_by_step=None,
                                    response_by_cadence=None))["Pattern diagnosis"]
    assert no_sequences[:2] == ["Response rate by sequence step: no sequence data in the activity log",
                                "Response rate by cadence type: no sequence data in the activity log"]
    no_items = lines(section_of(month_rows, "a1", has_line_items=False, discount_depth=None))["Pattern diagnosis"]
    assert no_items[-1] == "Discount depth on won deals: no line items"
    assert not any(ch.isdigit() for texts in no_cs.values() for line in texts for ch in line)  # no figure at all


def test_each_role_names_only_its_own_metrics(month_rows):
    labels = {role: {m.label for m in metrics} for role, metrics in CATALOG.items()}
    item_words = {"AE": ("Stage conversion ", "Days in "), "SDR": ("Response rate at step", "cadence"),
                  "AM": (), "CSM": ()}
    for rep_id, role in (("s1", "SDR"), ("a1", "AE"), ("am1", "AM"), ("c1", "CSM")):
        text = markdown(section_of(month_rows, rep_id))
        assert f"## Your {role} metrics" in text
        foreign = set().union(*(labels[r] for r in labels if r != role)) - labels[role]
        foreign |= {w for r, words in item_words.items() if r != role for w in words}
        assert [label for label in sorted(foreign) if label in text] == [], role


def test_the_rendered_sections(month_rows):
    section = section_of(month_rows, "s1")
    assert markdown(section) == (
        "## Your SDR metrics\n\n"
        "Touches, responses and meetings of October 2026; each median is of the SDRs in the same month. "
        "A rate on fewer than 10 cases shows as not enough data, never as zero.\n\n"
        "### Performance summary\n\n"
        "- Meeting acceptance 5% (2 of 40 touches); SDR median 4%\n"
        "- Conversion to qualified opportunity: not enough data (2 of 10)\n\n"
        "### Pattern diagnosis\n\n"
        "- Response rate at step 1 20% (6 of 30 touches); SDR median 15%\n"
        "- Response rate at step 2 3% (1 of 30 touches); SDR median n/a\n"
        "- Response rate at step 3: not enough data (4 of 10)\n"
        "- Response rate, cold cadence 8% (4 of 50 touches); SDR median 10%\n"
        "- Volume vs target 75% (45.0 touches a business day; target 60); SDR median 90%\n")
    html, _ = _environments()
    page = html.from_string('{% from "_roles.html.j2" import rep_roles %}{{ rep_roles(r) }}').render(r=section)
    assert "<h2>Your SDR metrics</h2>" in page
    assert '<li class="role-small">Conversion to qualified opportunity: not enough data (2 of 10)</li>' in page
    assert '<li class="role-value">Meeting acceptance 5% (2 of 40 touches); SDR median 4%</li>' in page
    # no role data (no row, or a warehouse without role_metrics); a role outside the four: no section
    empty = rep_section(None, "CSM", [], settings(), MONTH.label)
    assert markdown(empty) == "## Your CSM metrics\n\nNo CSM metrics for October 2026: no role data was delivered.\n"
    assert rep_section(None, "Manager", [], settings(), MONTH.label) is None


def test_the_manager_rollup(month_rows):
    by_rep = {r["rep_id"]: r for r in month_rows}
    team = sorted(({"rep_id": r["rep_id"], "name": r["rep_name"], "role": r["role"]} for r in month_rows
                   if r["manager_id"] == "m1"), key=lambda t: t["name"])
    _, md = _environments()
    text = tidy_markdown(md.get_template("_roles_team.md.j2").render(t=team_rollup(team, by_rep, settings(),
                                                                                   MONTH.label)))
    assert text == (
        "## Role metrics, October 2026\n\n"
        "Each role's headline metrics, one row per seller; the team's median of its sellers' values beside the "
        "role cohort's median.\n\n"
        "### AEs (2)\n\n"
        "| Seller | Attainment vs pace | Forecast accuracy |\n|---|--:|--:|\n"
        "| Ann Ae | 92% | 78% |\n"
        "| Ben Ae | 110% | n/a (no Commit amount in 2026-Q3) |\n"
        "| **Team median** | **101% (2 of 2 sellers)** | **78% (1 of 2 sellers)** |\n"  # (0.92 + 1.10) / 2
        "| AE median | 85% | 97% |\n\n"
        "### AMs (2)\n\n"
        "| Seller | Net revenue retention | Renewal rate |\n|---|--:|--:|\n"
        "| Abe Am | 104% | 90% (9 of 10 closed renewals) |\n"
        "| Alma Am | 104% | 80% (8 of 10 closed renewals) |\n"
        "| **Team median** | **104% (2 of 2 sellers)** | **85% (2 of 2 sellers)** |\n"
        "| AM median | 101% | 85% |\n\n"
        "### CSMs (2)\n\n"
        "| Seller | Time to value on target | Book health trend |\n|---|--:|--:|\n"
        "| Cora Csm | 70% (7 of 10 onboardings) | +2.5 points a month |\n"
        "| Cy Csm | 50% (5 of 10 onboardings) | -0.5 points a month |\n"
        "| **Team median** | **60% (2 of 2 sellers)** | **+1.0 points a month (2 of 2 sellers)** |\n"
        "| CSM median | 60% | +0.5 points a month |\n\n"
        "### SDRs (2)\n\n"
        "| Seller | Meeting acceptance | Conversion to qualified opportunity |\n|---|--:|--:|\n"
        "| Sara Sdr | 5% (2 of 40 touches) | not enough data (2 of 10) |\n"
        "| Sid Sdr | 3% (3 of 100 touches) | 25% (3 of 12 meetings booked) |\n"
        "| **Team median** | **4% (2 of 2 sellers)** | **25% (1 of 2 sellers)** |\n"  # (0.05 + 0.03) / 2
        "| SDR median | 4% | 25% |\n")


def test_a_mart_without_a_benchmark_column_prints_no_median(month_rows):
    # the mart may leave a metric without `<m>_benchmark` (e.g. volume vs target): no clause,
    # rather than a median that reads "n/a" on every digest
    row = {k: v for k, v in sdr().items() if k != "volume_vs_target_benchmark"}
    assert lines(rep_section(row, None, [row], settings(), MONTH.label))["Pattern diagnosis"][-1] == \
        "Volume vs target 75% (45.0 touches a business day; target 60)"


def test_minimum_sample_comes_from_the_roles_settings():
    assert min_sample(SimpleNamespace(), "renewal_rate") == 10  # no roles section: the contract's default
    cfg = SimpleNamespace(roles=SimpleNamespace(min_sample=8, min_sample_by_metric={"renewal_rate": 5}))
    assert (min_sample(cfg, "renewal_rate"), min_sample(cfg, "meeting_acceptance")) == (5, 8)
    row = {**am(), "renewal_rate": None, "renewal_rate_numerator": 3, "renewal_rate_denominator": 4}
    assert lines(rep_section(row, None, [row], cfg, MONTH.label))["Performance summary"][1] == \
        "Renewal rate: not enough data (4 of 5)"


# ---------------------------------------------------------------------------------------
# end to end: render_month on a built warehouse


JUNE = Month.of("2025-06")
JUNE_ROWS = {"month_start": JUNE.start, "month_end": JUNE.end, "fiscal_quarter": "2025-Q2",
             "window_start": Month.of("2025-04").start, "window_end": JUNE.end}


@pytest.fixture(scope="module")
def rendered(not_delivered_orgs, tmp_path_factory):
    """The CRM-only org coached for the week of 2025-06-30, rendered without role_metrics
    ('older'), then with hand-made June rows for Ann (A1) and Ben (A2), both AEs, twice."""
    with pytest.MonkeyPatch.context() as mp:
        for name in AI_ENV:
            mp.delenv(name, raising=False)
        root = tmp_path_factory.mktemp("roles_e2e")
        warehouse = root / "warehouse.duckdb"
        shutil.copy(not_delivered_orgs["crm_only"], warehouse)
        run_weeks(warehouse, [WEEK])
        con = open_warehouse(warehouse)
        try:
            # an older warehouse, built before the mart existed (this one has the real, empty-ish mart)
            con.execute("drop table if exists marts.role_metrics")
            render_month(con, JUNE, root / "older", narrative=NarrativeConfig(api_key=None))
            create_role_metrics(con, [ae(A1, "Ann One", M1, **JUNE_ROWS, has_line_items=False, discount_depth=None),
                                      ae(A2, "Ben Two", M1, **JUNE_ROWS, attainment_vs_pace=0.5)])
            for name in ("first", "second"):
                render_month(con, JUNE, root / name, narrative=NarrativeConfig(api_key=None))
        finally:
            con.close()
    return {name: root / name / "digests" / JUNE.key for name in ("older", "first", "second")}


def test_the_rendered_digests_hold_the_role_sections(rendered):
    ann = rep_doc(rendered["first"], A1, "md")
    assert "## Your AE metrics\n\nDeals, renewals and onboardings of 1 Apr 2025 to 30 Jun 2025; " in ann
    for line in ("- Attainment vs pace 92% (won and Commit 460k of 500k quota to date); AE median n/a",  # one peer
                 "- Stage conversion Discovery to Proposal 45% (9 of 20 deals); Mid-Market AE median n/a",
                 "- Discount depth on won deals: no line items"):
        assert line in ann, line
    assert "Ben" not in ann.split("## Your AE metrics")[1].split("## Daily activity")[0]
    html = rep_doc(rendered["first"], A1, "html")
    assert "Your AE metrics</h2>" in html and "Discount depth on won deals: no line items</li>" in html
    [manager] = [d for d in manifest(rendered["first"])["documents"] if d["role"] == "manager" and d["format"] == "md"]
    team = (rendered["first"] / manager["path"]).read_text()
    assert "| Ann One | 92% | 78% |\n| Ben Two | 50% | 78% |\n" \
           "| **Team median** | **71% (2 of 2 sellers)** | **78% (2 of 2 sellers)** |\n| AE median | 85% | 97% |" in team


def test_a_warehouse_without_role_metrics_says_no_role_data(rendered):
    ann = rep_doc(rendered["older"], A1, "md")
    assert "## Your AE metrics\n\nNo AE metrics for June 2025: no role data was delivered.\n" in ann
    [manager] = [d for d in manifest(rendered["older"])["documents"] if d["role"] == "manager" and d["format"] == "md"]
    assert "No role data was delivered for June 2025." in (rendered["older"] / manager["path"]).read_text()


def test_the_same_role_data_renders_the_same_bytes(rendered):
    first, second = manifest(rendered["first"]), manifest(rendered["second"])
    assert [(d["path"], d["sha256"]) for d in first["documents"]] == \
           [(d["path"], d["sha256"]) for d in second["documents"]]
