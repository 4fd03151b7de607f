"""Stale deals in the monthly digests (issue 15, point 5; coaching contract, "Monthly
digests"): a deal more than 90 days past its close date leaves the rep digest's next best
actions and the manager digest's at-risk deals, and is listed in the manager digest's
hygiene list. The October sample is conftest.py's, its render helpers october.py's.

On a copy of the sample, the first next best action of the sample's rep (the deal whose
account is "<script>alert(1)</script>") is made 200 days past due as of the sample's as_of,
2026-11-13: close date 2026-04-27 (27 Apr -> 30 Apr 3 days, May 31, Jun 30, Jul 31, Aug 31,
Sep 30, Oct 31, 1 -> 13 Nov 13: 200). The marts' side of the rule (the close-date task,
is_at_risk false) is test_mart_next_best_actions'; here the copy's mart rows are set as dbt
would set them.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
import yaml
from pydantic import ValidationError

from coaching_pipeline.config import load_settings, settings
from coaching_pipeline.db import open_warehouse
from coaching_pipeline.digests import Month, gather

from .october import AI_ENV, MONTH, SCRIPT_ACCOUNT, manifest, render, rep_doc

pytestmark = pytest.mark.xdist_group("sample")


STALE_NAME = "Stale <b>Deal</b> & Co"
STALE_CLOSE = dt.date(2026, 4, 27)


def manager_doc(folder, manager_id: str, fmt: str = "html") -> str:
    [entry] = [d for d in manifest(folder)["documents"]
               if d["recipient_id"] == manager_id and d["format"] == fmt and d["role"] == "manager"]
    return (folder / entry["path"]).read_text()


def md_section(text: str, title: str) -> str:
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0].split("\n---", 1)[0]


def html_rows(page: str, title: str) -> list[list[list[str]]]:
    """Each row of the section's table: per cell, its lines (split at <br>), tags dropped and
    entities kept (the CSS is inlined, so the cells carry style attributes)."""
    section = page.split(f">{title}</h2>", 1)[1].split("</table>", 1)[0]
    return [[[re.sub(r"<[^>]+>", "", line).strip() for line in re.split(r"<br\s*/?>", cell)]
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, flags=re.S)]


@pytest.fixture(scope="module")
def stale(sample, tmp_path_factory):
    root = tmp_path_factory.mktemp("hygiene")
    warehouse = root / "warehouse" / "coaching.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(sample["warehouse"], warehouse)
    con = open_warehouse(warehouse)
    try:
        assert con.execute("select as_of from intermediate.int_as_of").fetchone()[0] == dt.date(2026, 11, 13)
        opp = con.execute("select opportunity_id from marts.next_best_actions where rep_id = ? and account_name = ?",
                          [sample["rep_id"], SCRIPT_ACCOUNT]).fetchone()[0]
        fresh = con.execute("""select count(*) from marts.next_best_actions
                               where rep_id = ? and close_date >= date '2026-11-13' - 90""",
                            [sample["rep_id"]]).fetchone()[0]
        for table in ("next_best_actions", "deal_health_scores"):
            con.execute(f"update marts.{table} set opportunity_name = ?, close_date = ?, amount = 123456 "
                        "where opportunity_id = ?", [STALE_NAME, STALE_CLOSE, opp])
        con.execute("update marts.deal_health_scores set close_date_passed = true, is_at_risk = false "
                    "where opportunity_id = ?", [opp])
    finally:
        con.close()
    with pytest.MonkeyPatch.context() as mp:
        for name in AI_ENV:
            mp.delenv(name, raising=False)
        folder, _ = render(warehouse, root / "out")
    return {"warehouse": warehouse, "folder": folder, "opp": opp, "fresh": fresh}


def test_the_original_sample_shows_the_deal_to_its_rep(sample):
    # the deal chosen below is one of the rep's next best actions before it goes stale
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rep_doc(sample["folder"], sample["rep_id"])


def test_a_rep_digest_leaves_out_a_deal_200_days_past_due(sample, stale):
    page = rep_doc(stale["folder"], sample["rep_id"])
    markdown = rep_doc(stale["folder"], sample["rep_id"], "md")
    assert "alert(1)" not in page and "alert(1)" not in markdown
    assert "Stale" not in page and "Stale" not in markdown
    # the rep's other deals take its place: the top three not more than 90 days past due
    actions = [line for line in md_section(markdown, "Next best actions").splitlines() if re.match(r"\d\. ", line)]
    assert len(actions) == min(3, stale["fresh"]) and stale["fresh"] >= 1


def test_the_manager_digest_lists_it_as_hygiene_with_200_days(sample, stale):
    rep_name = sample["sellers"][sample["rep_id"]]
    markdown = manager_doc(stale["folder"], sample["manager_id"], "md")
    hygiene = md_section(markdown, "Hygiene: deals past their close date")
    line = ("- **Stale \\<b\\>Deal\\</b\\> \\& Co** (\\<script\\>alert(1)\\</script\\>), "
            f"{rep_name}, 123k, close date 27 Apr 2026: 200 days past due")
    assert line in hygiene.splitlines()
    assert markdown.count("Stale \\<b\\>Deal") == 1   # hygiene, not at risk as well

    page = manager_doc(stale["folder"], sample["manager_id"])
    [row] = [r for r in html_rows(page, "Hygiene: deals past their close date") if r and "Stale" in r[0][0]]
    assert row == [
        ["Stale &lt;b&gt;Deal&lt;/b&gt; &amp; Co", "&lt;script&gt;alert(1)&lt;/script&gt;"],
        [rep_name], ["123k"], ["27 Apr 2026"], ["200 days"]]
    assert page.count("Stale &lt;b&gt;Deal") == 1
    assert "<b>Deal</b>" not in page and "<script" not in page


def test_the_threshold_is_configuration(sample, stale, tmp_path):
    override = tmp_path / "settings.yaml"
    override.write_text(yaml.safe_dump({"next_best_actions": {"hygiene_after_days": 250}}))
    config = load_settings(override)
    con = open_warehouse(stale["warehouse"], read_only=True)
    try:
        content = gather(con, Month.of(MONTH), config)
    finally:
        con.close()
    # 200 days is not more than 250: the rep's again, and off the manager's hygiene list
    [rep] = [r for r in content.reps if r.rep["id"] == sample["rep_id"]]
    assert STALE_NAME in [a["opportunity_name"] for a in rep.next_actions]
    [manager] = [m for m in content.managers if m.manager["id"] == sample["manager_id"]]
    assert STALE_NAME not in [d["opportunity_name"] for d in manager.hygiene["deals"]]
    assert manager.hygiene["after_days"] == 250
    assert settings().next_best_actions.hygiene_after_days == 90   # the default
    override.write_text(yaml.safe_dump({"next_best_actions": {"hygiene_after_days": -1}}))
    with pytest.raises(ValidationError, match="hygiene_after_days"):
        load_settings(override)


def test_every_manager_of_the_sample_gets_a_hygiene_list(sample):
    """The S sample plants deals long past their close date: each of its five managers has
    some, as many as the marts hold for the team."""
    con = open_warehouse(sample["warehouse"], read_only=True)
    try:
        expected = dict(con.execute("""
            select u.manager_id, count(*) from marts.deal_health_scores d
            join intermediate.int_users u on u.user_id = d.owner_id
            where not d.is_closed and d.close_date < date '2026-11-13' - 90 and u.is_seller and u.is_active
            group by 1""").fetchall())
    finally:
        con.close()
    managers = [d["recipient_id"] for d in manifest(sample["folder"])["documents"]
                if d["role"] == "manager" and d["format"] == "md"]
    assert len(managers) == 5 and set(expected) == set(managers)
    for manager_id in managers:
        hygiene = md_section(manager_doc(sample["folder"], manager_id, "md"), "Hygiene: deals past their close date")
        count = expected[manager_id]
        assert f"more than 90 days ago, largest first: {count} deal{'s' if count != 1 else ''}," in hygiene
        listed = [line for line in hygiene.splitlines() if line.startswith("- **")]
        assert len(listed) == min(count, 15) and all(line.endswith(" days past due") for line in listed)
