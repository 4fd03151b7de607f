"""The team view's tiny published file (team_org.py) with marts.role_metrics rows of
assets_tests/digests/role_rows.py for November 2026, the month of the publication's as_of:
Rita (r1, m1) an AE with Ann's figures, Ravi (r2, m1) an SDR with Sara's, Rosa (r3, m2) an AE
at 50% of pace; and an October row of Rita's (is_current_month false), never the one shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ..digests.role_rows import ae, create_role_metrics, sdr
from .team_org import build_team_published

NOVEMBER = {"month_start": dt.date(2026, 11, 1), "month_end": dt.date(2026, 11, 30),
            "window_start": dt.date(2026, 9, 1), "window_end": dt.date(2026, 11, 13)}
OCTOBER = {"month_start": dt.date(2026, 10, 1), "month_end": dt.date(2026, 10, 31), "is_current_month": False}


def build_roles_published(path: Path) -> Path:
    build_team_published(path)
    con = duckdb.connect(str(path))
    con.execute("update marts.sellers set role = 'SDR' where rep_id = 'r2'")
    create_role_metrics(con, [
        ae("r1", "Rita Rep", "m1", **NOVEMBER), sdr("r2", "Ravi Rep", "m1", **NOVEMBER),
        ae("r3", "Rosa Rep", "m2", **NOVEMBER, **{"attainment_vs_pace": 0.5}),
        ae("r1", "Rita Rep", "m1", **OCTOBER, **{"attainment_vs_pace": 0.1}),
    ])
    con.close()
    return path
