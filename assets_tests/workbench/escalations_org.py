"""The tiny published file of app_org.py with what the SLM view and the digest archive read:
coaching.escalations and coaching.coaching_history rows, the coaching_log columns of the
managers' decisions, a second org (SLM s2 over manager m3 with rep r4) to forge against, and
a folder of rendered digests with its manifests (and a few traps: a listed symbolic link to a
file outside, an unlisted file, a month without manifest, a render's hidden folder).

The escalations (T_REQUEST: the time of the store request e7 was applied from):
  e1 r1 persistence (event c3)     2026-10-19  to the SLM
  e2 r2 attainment                 2026-11-02  to manager and SLM
  e3 r3 persistence (event c7)     2026-10-05  to the SLM (resolved 40 days ago, in the fixture)
  e4 r3 bottom quartile            2026-11-09  to the manager
  e5 r4 persistence                2026-11-09  s2's org
  e6 r1 manual, `coaching escalate` by m1, no store request  2026-11-10
  e7 r2 manual, applied from the store request of m1 at T_REQUEST  2026-11-03
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb

from .app_org import build_published

T_REQUEST = dt.datetime(2026, 11, 3, 8, 30, 0, 123456)
T_CLI = dt.datetime(2026, 11, 10, 9, 0)
SECRET = "TOP-SECRET-OUTSIDE-THE-ARCHIVE"

_ATTAINMENT = json.dumps([{"assessment_date": "2026-10-26", "attainment": 0.31, "days_left": 66},
                          {"assessment_date": "2026-11-02", "attainment": 0.32, "days_left": 59}])
_QUARTILE = json.dumps([{"assessment_date": "2026-10-12", "overall_score": 35.0, "cohort_percentile": 10.0},
                        {"assessment_date": "2026-11-09", "overall_score": 34.0, "cohort_percentile": 8.0}])
ESCALATIONS = [  # escalation_id, rep, rule, pattern_key, coaching_id, to, manager, slm, date, reason, history, by, at
    ("e1", "r1", "persistence", "skill:qualification", "c3", "slm", "m1", "s1", "2026-10-19",
     "Qualification below 70 at 3 weekly assessments", None, None, None),
    ("e2", "r2", "attainment", "metric:attainment", None, "manager_and_slm", "m1", "s1", "2026-11-02",
     "Attainment 32.0% with 59 days left", _ATTAINMENT, None, None),
    ("e3", "r3", "persistence", "skill:discovery", "c7", "slm", "m2", "s1", "2026-10-05",
     "Discovery below 70 at 3 weekly assessments", None, None, None),
    ("e4", "r3", "bottom_quartile", "metric:overall_bottom_quartile", None, "manager", "m2", "s1", "2026-11-09",
     "Bottom quartile for 30 days", _QUARTILE, None, None),
    ("e5", "r4", "persistence", "skill:closing", None, "slm", "m3", "s2", "2026-11-09",
     "Closing below 70 at 3 weekly assessments", None, None, None),
    ("e6", "r1", "manual", "manual", None, "slm", "m1", "s1", "2026-11-10", "Asked from the command line", "[]",
     "m1", T_CLI),
    ("e7", "r2", "manual", "manual", None, "slm", "m1", "s1", "2026-11-03", "Needs help on pricing", "[]",
     "m1", T_REQUEST),
]
HISTORY = [  # coaching_id, assessment_date, flagged, metric_value, clock_week, clock_reset, escalated
    ("c3", "2026-10-05", True, 41.0, 1, False, False), ("c3", "2026-10-12", True, 40.0, 2, False, False),
    ("c3", "2026-10-19", True, 39.5, 3, False, True), ("c3", "2026-10-26", True, 44.0, 1, True, False),
    ("c7", "2026-09-21", True, 50.0, 1, False, False), ("c7", "2026-09-28", True, 49.0, 2, False, False),
    ("c7", "2026-10-05", True, 48.0, 3, False, True),
]


def build_escalations_published(path: Path) -> Path:
    build_published(path)
    con = duckdb.connect(str(path))
    con.execute("insert into marts.sellers values ('r4', 'Remy Rep', 'remy@example.com', 'AE', 'm3', "
                "'Mia Manager', 's2', 'Sue Slm')")
    con.executemany("insert into marts.users values (?, ?, ?)",
                    [("m3", "Mia Manager", "mia@example.com"), ("s2", "Sue Slm", "sue@example.com"),
                     ("r4", "Remy Rep", "remy@example.com")])
    for column, kind in (("decided_by", "varchar"), ("decided_at", "timestamp"), ("decision_note", "varchar"),
                         ("resolution_date", "date")):
        con.execute(f"alter table coaching.coaching_log add column {column} {kind}")
    con.execute("update coaching.coaching_log set decided_by = 'm1', decided_at = '2026-10-20 10:00' "
                "where coaching_id = 'c1'")
    con.execute("update coaching.coaching_log set resolution_date = '2026-11-02' where coaching_id = 'c7'")
    con.execute("""create table coaching.coaching_history (coaching_id varchar, assessment_date date, flagged boolean,
        metric_value double, clock_week integer, clock_reset boolean, escalated boolean)""")
    con.executemany("insert into coaching.coaching_history values (?, ?, ?, ?, ?, ?, ?)", HISTORY)
    con.execute("""create table coaching.escalations (escalation_id varchar, rep_id varchar, role varchar,
        rule varchar, pattern_key varchar, coaching_id varchar, escalated_to varchar, manager_id varchar,
        slm_id varchar, escalation_date date, reason varchar, history varchar, escalated_by varchar,
        escalated_at timestamp)""")
    con.executemany("insert into coaching.escalations values (?, ?, 'AE', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ESCALATIONS)
    con.close()
    return path


# --------------------------------------------------------------------------------------
# rendered digests

PEOPLE = {"r1": ("Rita Rep", "rep"), "r2": ("Ravi Rep", "rep"), "r3": ("Rosa Rep", "rep"),
          "r4": ("Remy Rep", "rep"), "m1": ("Mona Manager", "manager"), "m2": ("Max Manager", "manager"),
          "s1": ("Sam Slm", "slm")}
DOCUMENT = {"rep": "rep_digest", "manager": "manager_digest", "slm": "slm_notice"}


def _entry(path: str, uid: str, document: str | None = None) -> dict:
    name, role = PEOPLE[uid]
    return {"path": path, "document": document or DOCUMENT[role], "format": path.rsplit(".", 1)[-1],
            "recipient_id": uid, "recipient_name": name, "recipient_email": None, "role": role,
            "sha256": "0" * 64, "bytes": 0, "narrative": None}


def doc_path(uid: str, ext: str = "html") -> str:
    name, role = PEOPLE[uid]
    return f"{role}/{name.lower().replace(' ', '-')}-{uid}.{ext}"


def _write_month(folder: Path, entries: list[dict]) -> None:
    for e in entries:
        target = folder / e["path"]
        if target.is_symlink() or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        body = f"<!doctype html><html><body><h1>{e['document']} for {e['recipient_name']} {folder.name}</h1>" \
               "<svg width='10' height='10'><rect width='10' height='10'/></svg></body></html>"
        target.write_text(body if e["format"] == "html" else f"{e['document']} {e['recipient_name']}\n")
    (folder / "manifest.json").write_text(json.dumps({"month": folder.name, "documents": entries}, indent=2))


def build_digests(root: Path) -> Path:
    """<root>/digests with 2026-10 (every person's, r1's in three formats, a listed symbolic
    link), 2026-09 (r1's and m1's), 2026-11 without a manifest and a hidden render folder;
    secret files beside and above the folder that must never be served."""
    digests = root / "digests"
    (root / "secret.html").write_text(SECRET)
    october = digests / "2026-10"
    (october / "rep").mkdir(parents=True)
    os.symlink(root / "secret.html", october / "rep" / "link-r1.html")
    (october / "rep" / "unlisted.html").write_text(SECRET)
    (digests / "secret.txt").write_text(SECRET)
    entries = [_entry(doc_path("r1", ext), "r1") for ext in ("html", "md", "eml")]
    entries += [_entry(doc_path(uid), uid) for uid in ("r2", "r3", "r4", "m1", "m2", "s1")]
    entries.append(_entry("rep/link-r1.html", "r1", document="linked_copy"))
    _write_month(october, entries)
    _write_month(digests / "2026-09", [_entry(doc_path("r1"), "r1"), _entry(doc_path("m1"), "m1")])
    (digests / "2026-11").mkdir()
    (digests / ".2026-12.tmp-1").mkdir()
    return digests
