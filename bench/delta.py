"""One more day of extracts for the incremental nightly run, derived deterministically from
an existing landing zone whose last day is `day` (the generator's as_of).

The new day (day + 1) repeats the last day's traffic, shifted by exactly 24 hours, under
new ids, in the landing-zone contract's formats and in new files (so the ingestion ledger
loads them, and nothing is edited in place):

  activity/activities_<day+1>.csv|parquet   the activity-log rows of `day` (UTC), new activity_id
  crm/Task__<day+1>.csv                     Tasks with ActivityDate = day, new Id
  crm/Event__<day+1>.csv                    Events starting on day (UTC), new Id
  crm/Opportunity__<day+1>_delta.csv        about a seventh of the open deals changed (as many
                                            as the generator's week-long delta holds per day):
                                            Amount +5%, a later LastModifiedDate/SystemModstamp
  crm/OpportunityHistory__<day+1>.csv       one stage-history row per changed deal
  crm/OpportunityFieldHistory__<day+1>.csv  one Amount change row per changed deal
  gong/calls_<day+1>.json                   the calls started on day (UTC), new call ids
  gong/transcripts_<day+1>.json             their transcripts
  gong/answered_scorecards_<day+1>.json     their answered scorecards, new ids

Every date/timestamp of a copied row moves one day later (its text keeps its format and
offset: only the date part changes, which is +24 h), so nothing is dated after day + 1.
The same landing zone and day give identical files.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _shift_text(value: str | None) -> str | None:
    if not value or not _DATE_PREFIX.match(value):
        return value
    return (dt.date.fromisoformat(value[:10]) + dt.timedelta(days=1)).isoformat() + value[10:]


def _date_columns(con, rel: str, columns: list[str]) -> list[str]:
    """Columns whose every filled value starts with an ISO date."""
    found = []
    for c in columns:
        bad = con.execute(
            f'select count(*) filter (where "{c}" is not null and not regexp_matches("{c}", \'^\\d{{4}}-\\d{{2}}-\\d{{2}}\')), '
            f'count("{c}") from {rel}'
        ).fetchone()
        if bad[1] and not bad[0]:
            found.append(c)
    return found


def _shift_sql(c: str) -> str:
    return (f'case when "{c}" is null then null else '
            f'cast(cast(substr("{c}", 1, 10) as date) + 1 as varchar) || substr("{c}", 11) end as "{c}"')


def _reader(path: Path) -> str:
    if path.suffix.lower() == ".parquet":
        return f"read_parquet({_q(path)})"
    return f"read_csv({_q(path)}, all_varchar = true, header = true)"


def _write(con, select_sql: str, path: Path) -> int:
    n = con.execute(f"select count(*) from ({select_sql})").fetchone()[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = "(FORMAT parquet, COMPRESSION snappy)" if path.suffix == ".parquet" else "(FORMAT csv, HEADER true)"
    con.execute(f"COPY ({select_sql}) TO {_q(path)} {fmt}")
    return n


def _copy_day(con, sources: list[Path], where: str, out: Path, id_col: str, id_expr: str,
              order: str) -> tuple[Path, int]:
    """The rows of `day` from the source file holding most of them, shifted, with new ids,
    written to `out` (as Parquet when that source is Parquet)."""
    best, best_n = None, 0
    for path in sources:
        try:
            n = con.execute(f"select count(*) from {_reader(path)} where {where}").fetchone()[0]
        except duckdb.Error:
            continue
        if n > best_n:
            best, best_n = path, n
    if best is None:
        return out, 0
    con.execute(f"create or replace temp table day_rows as select * from {_reader(best)} where {where}")
    columns = [r[0] for r in con.execute("describe day_rows").fetchall()]
    shifted = set(_date_columns(con, "day_rows", columns))
    exprs = []
    for c in columns:
        if c == id_col:
            exprs.append(f'{id_expr} as "{c}"')
        elif c in shifted:
            exprs.append(_shift_sql(c))
        else:
            exprs.append(f'"{c}"')
    n_expr = f'row_number() over (order by {order})'
    sql = f"select {', '.join(exprs)} from (select *, {n_expr} as _n from day_rows) order by _n"
    out = out.with_suffix(".parquet") if best.suffix.lower() == ".parquet" else out
    return out, _write(con, sql, out)


def _utc_day(col: str, day: dt.date) -> str:
    return f"cast(timezone('UTC', try_cast(\"{col}\" as timestamptz)) as date) = date '{day.isoformat()}'"


def make_delta(source: Path, day: dt.date, out: Path) -> dict[str, int]:
    """Write the files of day + 1 into `out` (a landing zone root); return file -> rows."""
    new = day + dt.timedelta(days=1)
    stamp, short = new.isoformat(), new.strftime("%y%m%d")
    written: dict[str, int] = {}
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    try:
        # activity log: the month file(s) holding `day`, else every file
        acts = sorted((source / "activity").glob("activities*"))
        month = [p for p in acts if day.strftime("%Y-%m") in p.name] or acts
        path, n = _copy_day(con, month, _utc_day("occurred_at", day), out / "activity" / f"activities_{stamp}.csv",
                            "activity_id", f"'{new.strftime('%Y%m%d')}' || lpad(cast(_n as varchar), 7, '0')",
                            "occurred_at, activity_id")
        written[f"activity/{path.name}"] = n
        for obj, prefix, where in [
            ("Task", "00TB", f"\"ActivityDate\" = '{day.isoformat()}'"),
            ("Event", "00UB", _utc_day("StartDateTime", day)),
        ]:
            files = sorted((source / "crm").glob(f"{obj}__*.csv")) + sorted((source / "crm").glob(f"{obj}.csv"))
            path, n = _copy_day(con, files, where, out / "crm" / f"{obj}__{stamp}.csv", "Id",
                                f"'{prefix}{short}' || lpad(cast(_n as varchar), 8, '0')", "Id")
            written[f"crm/{path.name}"] = n
        written.update(_opportunities(con, source, out, day, new))
        written.update(_gong(source, out, day, new))
    finally:
        con.close()
    return written


def _bool_false(col: str) -> str:
    return f"lower(trim(coalesce(\"{col}\", ''))) in ('false', '0')"


def _opportunities(con, source: Path, out: Path, day: dt.date, new: dt.date) -> dict[str, int]:
    crm = source / "crm"
    full = crm / "Opportunity.csv"
    if not full.exists():
        return {}
    deltas = [p for p in sorted(crm.glob("Opportunity__*.csv")) if "zz_late" not in p.name]
    per_day = 0
    redelivered = "select null::varchar as Id where false"
    if deltas:
        files = ", ".join(_q(p) for p in deltas)
        per_day = con.execute(f"select count(*) from read_csv([{files}], all_varchar = true, union_by_name = true)"
                              ).fetchone()[0] // 7
        redelivered = f"select \"Id\" from read_csv([{files}], all_varchar = true, union_by_name = true)"
    con.execute(
        f"create or replace temp table open_deals as select *, row_number() over (order by \"Id\") as _n "
        f"from read_csv({_q(full)}, all_varchar = true) where {_bool_false('IsClosed')} "
        f"and {_bool_false('IsDeleted')} and \"Id\" not in ({redelivered})"
    )
    total = con.execute("select count(*) from open_deals").fetchone()[0]
    if not total:
        return {}
    step = max(1, total // max(1, per_day or total // 7))
    con.execute(
        f"create or replace temp table changed as select * exclude (_n), _n, "
        f"cast(round(try_cast(\"Amount\" as double) * 1.05 / 100) * 100 as bigint) as _new_amount, "
        f"strftime(timestamp '{new.isoformat()} 09:00:00' + to_seconds((_n % 4000) * 3), '%Y-%m-%dT%H:%M:%S') as _at "
        f"from open_deals where _n % {step} = 0 and try_cast(\"Amount\" as double) is not null"
    )
    columns = [r[0] for r in con.execute("describe open_deals").fetchall() if r[0] != "_n"]
    exprs = []
    for c in columns:
        if c == "Amount":
            exprs.append('cast(_new_amount as varchar) as "Amount"')
        elif c in ("LastModifiedDate", "SystemModstamp"):
            exprs.append(f"_at || '.000+0000' as \"{c}\"")
        else:
            exprs.append(f'"{c}"')
    short = new.strftime("%y%m%d")
    written = {}
    target = out / "crm" / f"Opportunity__{new.isoformat()}_delta.csv"
    written[f"crm/{target.name}"] = _write(con, f"select {', '.join(exprs)} from changed order by _n", target)
    target = out / "crm" / f"OpportunityHistory__{new.isoformat()}.csv"
    written[f"crm/{target.name}"] = _write(con, (
        f"select '008B{short}' || lpad(cast(_n as varchar), 8, '0') as \"Id\", \"Id\" as \"OpportunityId\", "
        f"\"StageName\", cast(_new_amount as varchar) as \"Amount\", \"CloseDate\", \"Probability\", "
        f"\"ForecastCategoryName\" as \"ForecastCategory\", 'false' as \"IsDeleted\", "
        f"_at || '.000+0000' as \"CreatedDate\", _at || '.000+0000' as \"SystemModstamp\" from changed order by _n"
    ), target)
    target = out / "crm" / f"OpportunityFieldHistory__{new.isoformat()}.csv"
    written[f"crm/{target.name}"] = _write(con, (
        f"select '017B{short}' || lpad(cast(_n as varchar), 8, '0') as \"Id\", \"Id\" as \"OpportunityId\", "
        f"'Amount' as \"Field\", 'Currency' as \"DataType\", \"Amount\" as \"OldValue\", "
        f"cast(_new_amount as varchar) as \"NewValue\", 'FALSE' as \"IsDeleted\", "
        f"_at || '.000+0000' as \"CreatedDate\" from changed order by _n"
    ), target)
    return written


def _utc_date(text: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC).date()
    except (TypeError, ValueError):
        return None


def _load(path: Path) -> dict:
    try:
        page = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # a broken page (the generator plants one)
        return {}
    return page if isinstance(page, dict) else {}


def _numbered(pattern: str, folder: Path) -> list[Path]:
    """Generator-numbered pages (name_0001.json ...), newest first; late pages excluded."""
    rx = re.compile(pattern)
    return sorted((p for p in folder.glob("*.json") if rx.match(p.name)), reverse=True)


def _write_page(out: Path, name: str, payload: str, records: list) -> dict[str, int]:
    """Write one Gong page into <out>/gong; returns {landing path: records}."""
    target = out / "gong" / name
    target.write_text(json.dumps(_page(payload, records), separators=(",", ":")), encoding="utf-8")
    return {f"gong/{name}": len(records)}


def _page(payload: str, records: list) -> dict:
    """One Gong response page (requestId, records, then the payload array)."""
    return {"requestId": f"bench-{payload}",
            "records": {"totalRecords": len(records), "currentPageSize": len(records), "currentPageNumber": 0},
            payload: records}


def _gong(source: Path, out: Path, day: dt.date, new: dt.date) -> dict[str, int]:
    gong = source / "gong"
    short = new.strftime("%y%m%d")
    calls = []
    # Pages are in call-start order: read from the newest back, past late re-delivery pages
    # (no call of `day`) and broken ones, until a page after the day's ends before it.
    for path in _numbered(r"^calls_\d{4}\.json$", gong):
        page = _load(path)
        dates = [_utc_date(str(c.get("metaData", {}).get("started"))) for c in page.get("calls", [])]
        found = [c for c, d in zip(page.get("calls", []), dates, strict=True) if d == day]
        if calls and not found:
            break
        calls = found + calls
    if not calls:
        return {}
    # The same call may sit on two pages (an overlapping pull): keep the first copy.
    seen, unique = set(), []
    for c in calls:
        if str(c["metaData"]["id"]) not in seen:
            seen.add(str(c["metaData"]["id"]))
            unique.append(c)
    new_ids = {}
    for i, call in enumerate(unique, start=1):
        old = str(call["metaData"]["id"])
        new_id = f"72{short}{i:011d}"
        new_ids[old] = new_id
        meta = dict(call["metaData"])
        meta["id"] = new_id if isinstance(call["metaData"]["id"], str) else int(new_id)
        if isinstance(meta.get("url"), str):
            meta["url"] = meta["url"].replace(old, new_id)
        for f in ("started", "scheduled"):
            meta[f] = _shift_text(meta.get(f))
        call["metaData"] = meta
    written = {}
    (out / "gong").mkdir(parents=True, exist_ok=True)
    written.update(_write_page(out, f"calls_{new.isoformat()}.json", "calls", unique))

    transcripts = []
    for path in _numbered(r"^transcripts_\d{4}\.json$", gong):
        page = _load(path)
        for t in page.get("callTranscripts", []):
            if str(t.get("callId")) in new_ids:
                t["callId"] = new_ids[str(t["callId"])] if isinstance(t["callId"], str) else int(new_ids[str(t["callId"])])
                transcripts.append(t)
        if len(transcripts) >= len(new_ids):
            break
    written.update(_write_page(out, f"transcripts_{new.isoformat()}.json", "callTranscripts", transcripts))

    answered = []
    for path in _numbered(r"^answered_scorecards_\d{4}\.json$", gong):
        page = _load(path)
        found = [a for a in page.get("answeredScorecards", []) if str(a.get("callId")) in new_ids]
        if answered and not found:
            break
        answered += found
    answered.sort(key=lambda a: (str(a.get("callStartTime")), str(a.get("answeredScorecardId"))))
    for i, a in enumerate(answered, start=1):
        as_int = not isinstance(a.get("callId"), str)
        a["callId"] = int(new_ids[str(a["callId"])]) if as_int else new_ids[str(a["callId"])]
        sid = f"78{short}{i:011d}"
        a["answeredScorecardId"] = sid if isinstance(a.get("answeredScorecardId"), str) else int(sid)
        for f in ("callStartTime", "reviewTime"):
            if isinstance(a.get(f), str):
                a[f] = _shift_text(a[f])
    written.update(_write_page(out, f"answered_scorecards_{new.isoformat()}.json", "answeredScorecards", answered))
    return written
