"""Shared helpers of the generator: seeded random streams, the calendar (span, fiscal
periods, the sellers' IANA time zones with their real daylight-saving rules), Salesforce and
Gong id makers, and the text formats (timestamps, dates, booleans, money) the landing-zone
files use.

Everything here is pure and deterministic: no wall clock, no hash-seeded ordering.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pyarrow as pa

DAY = 86_400
EPOCH = dt.date(1970, 1, 1)


def rng_for(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per concern, so a change in one module does not shift
    the numbers drawn by another."""
    return np.random.default_rng([int(seed) % (2**63), zlib.crc32(name.encode())])


def to_day(d: dt.date) -> int:
    return (d - EPOCH).days


def from_day(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def weekday(day):
    """Monday = 0 for day numbers counted from 1970-01-01 (a Thursday)."""
    return (np.asarray(day) + 3) % 7


def lerp(a, b, q):
    return a + (b - a) * q


def add_months(d: dt.date, k: int) -> dt.date:
    m = d.month - 1 + k
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


# Time zones (IANA names, as Salesforce stores User.TimeZoneSidKey). Sellers work in the
# first seven; GMT is the integration user's. Whole-hour zones only.
ZONES = ("America/Los_Angeles", "America/Chicago", "America/New_York", "Europe/London", "Europe/Berlin",
         "Asia/Tokyo", "Asia/Singapore", "GMT")
ZONE_INDEX = {name: i for i, name in enumerate(ZONES)}


def zone_offsets(lo_day: int, hi_day: int) -> np.ndarray:
    """(zone, day - lo_day) -> UTC offset in seconds of each zone at local noon of each day,
    from the zoneinfo rules. Daylight saving switches at night (01:00-03:00 local), so the
    noon offset holds for the whole working day."""
    noon = dt.time(12)
    days = [from_day(d) for d in range(lo_day, hi_day + 1)]
    out = np.empty((len(ZONES), len(days)), np.int64)
    for z, name in enumerate(ZONES):
        tz = ZoneInfo(name)
        out[z] = [int(dt.datetime.combine(d, noon, tz).utcoffset().total_seconds()) for d in days]
    if (out % 3600).any():
        raise ValueError("only whole-hour time zones are supported")
    return out


def iso_local(ts: int, zone: str) -> str:
    """Epoch seconds as local ISO 8601 text with its offset in the named zone (exact)."""
    t = dt.datetime.fromtimestamp(int(ts), ZoneInfo(zone))
    off = int(t.utcoffset().total_seconds())
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f"{'-' if off < 0 else '+'}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}"


@dataclass(frozen=True)
class Period:
    kind: str  # Month, Quarter, Year
    start: dt.date
    end: dt.date  # inclusive
    number: int
    label: str

    @property
    def start_day(self) -> int:
        return to_day(self.start)

    @property
    def end_day(self) -> int:
        return to_day(self.end)


class Calendar:
    """The generated span: two fiscal years up to as_of (from the start of the previous
    fiscal year to as_of, both included). A fiscal year starts on the first of
    fiscal_start_month and is named by the calendar year in which it ends (FY2027 = Feb 2026 -
    Jan 2027 with start month 2); its quarters and months are the Period rows."""

    def __init__(self, as_of: dt.date, fiscal_start_month: int = 1):
        self.as_of = as_of
        m = fiscal_start_month
        if not 1 <= m <= 12:
            raise ValueError(f"fiscal_start_month must be 1-12, got {m!r}")
        self.fiscal_start_month = m
        y = as_of.year if as_of.month >= m else as_of.year - 1
        self.fy_start = dt.date(y, m, 1)
        self.start = dt.date(y - 1, m, 1)
        self.start_day = to_day(self.start)
        self.end_day = to_day(as_of)
        self.end_ts = (self.end_day + 1) * DAY - 1  # last second of as_of (UTC)
        self.monday_day = self.end_day - int(weekday(self.end_day))  # Monday of as_of's week
        self.first_monday = self.start_day - int(weekday(self.start_day))
        self.n_weeks = (self.monday_day - self.first_monday) // 7 + 1
        # The full extract is taken a week before as_of; later changes come as a delta.
        self.snapshot_day = self.end_day - 7
        self.snapshot_ts = self.snapshot_day * DAY + 6 * 3600
        # per-zone, per-day UTC offsets (seconds) around the span
        lo, hi = self.start_day - 60, self.end_day + 400
        self._base, self._last = lo, hi
        self._off = zone_offsets(lo, hi)
        self.periods = self._periods(m)
        self.quarters = [p for p in self.periods if p.kind == "Quarter"]
        self.months = [p for p in self.periods if p.kind == "Month"]

    def _periods(self, m: int) -> list[Period]:
        out: list[Period] = []
        for fy_start in (self.start, self.fy_start):
            fy_end = add_months(fy_start, 12) - dt.timedelta(days=1)
            fy_name = fy_end.year
            out.append(Period("Year", fy_start, fy_end, 1, f"FY{fy_name}"))
            for q in range(4):
                qs = add_months(fy_start, 3 * q)
                if qs > self.as_of:
                    break
                qe = add_months(qs, 3) - dt.timedelta(days=1)
                out.append(Period("Quarter", qs, qe, q + 1, f"Q{q + 1} FY{fy_name}"))
            for k in range(12):
                ms = add_months(fy_start, k)
                if ms > self.as_of:
                    break
                me = add_months(ms, 1) - dt.timedelta(days=1)
                out.append(Period("Month", ms, me, k + 1, f"{ms:%b} FY{fy_name}"))
        return out

    # --- days and time zones -------------------------------------------------------------
    def offset(self, zone, day) -> np.ndarray:
        """Seconds to add to UTC to get local time in zone (index into ZONES) on day (the
        zone's rules for daylight saving, see zone_offsets)."""
        d = np.clip(np.asarray(day, np.int64), self._base, self._last) - self._base
        return self._off[np.asarray(zone, np.int64), d]

    def utc(self, day, local_seconds, zone) -> np.ndarray:
        day = np.asarray(day, np.int64)
        return day * DAY + np.asarray(local_seconds, np.int64) - self.offset(zone, day)

    def work_ts(self, day, zone, u, lo: float = 7.5, hi: float = 18.0) -> np.ndarray:
        """A UTC timestamp at fraction u of the working window [lo, hi) local hours of `day`
        in zone (index into ZONES), narrowed so the UTC calendar date stays `day` (the local
        date then equals the UTC date: late afternoon in the Americas would otherwise fall on
        the next UTC date, early morning in Asia on the previous one)."""
        day = np.asarray(day, np.int64)
        off = self.offset(zone, day)
        lo_s = np.maximum(int(lo * 3600), off + 300)
        hi_s = np.minimum(int(hi * 3600), DAY + off - 300)
        local = lo_s + (np.asarray(u, float) * (hi_s - lo_s)).astype(np.int64)
        return day * DAY + local - off

    def clamp(self, t, margin=0) -> np.ndarray:
        """Pull timestamps that would fall after as_of (UTC) back by whole days."""
        t = np.asarray(t, np.int64).copy()
        limit = self.end_ts - np.asarray(margin, np.int64)
        while True:
            late = t > limit
            if not late.any():
                return t
            t[late] -= DAY

    def business_day(self, day, lo=None, hi=None) -> np.ndarray:
        """Weekend days move back to Friday; when that leaves [lo, hi], forward to Monday."""
        day = np.asarray(day, np.int64)
        wd = weekday(day)
        back = day - np.where(wd == 5, 1, np.where(wd == 6, 2, 0))
        fwd = day + np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
        lo = self.start_day if lo is None else lo
        out = np.where(back < lo, fwd, back)
        if hi is not None:
            out = np.where(out > hi, back, out)
        return out

    def week_of(self, day) -> np.ndarray:
        """Week number from the first Monday of the span (0-based)."""
        return (np.asarray(day, np.int64) - self.first_monday) // 7


# --- ids -----------------------------------------------------------------------------------
_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", np.uint8)
_MOD = 62**6
_W5 = 1 << np.arange(5)


def _sf_id_bytes(prefix: str, seq) -> np.ndarray:
    seq = np.atleast_1d(np.asarray(seq, np.int64))
    v = (seq * 387_420_489 + 91_813) % _MOD
    n = len(seq)
    head = (prefix + "8d0000").encode()
    buf = np.empty((n, 18), np.uint8)
    buf[:, 0:9] = np.frombuffer(head, np.uint8)
    digits = []
    for i in range(14, 8, -1):
        d = v % 62
        v //= 62
        buf[:, i] = _B62[d]
        digits.append(d)
    digits.reverse()  # positions 9..14
    up = [((d >= 10) & (d < 36)).astype(np.int64) for d in digits]
    c0 = sum(1 << i for i, ch in enumerate(head[0:5]) if 65 <= ch <= 90)
    c1 = sum(1 << i for i, ch in enumerate(head[5:9]) if 65 <= ch <= 90) + (up[0] << 4)
    c2 = up[1] + (up[2] << 1) + (up[3] << 2) + (up[4] << 3) + (up[5] << 4)
    buf[:, 15] = _SUFFIX[c0]
    buf[:, 16] = _SUFFIX[c1]
    buf[:, 17] = _SUFFIX[c2]
    return buf


def sf_ids(prefix: str, seq) -> np.ndarray:
    """Salesforce-style 18-character ids: key prefix, pod, a permuted sequence number and the
    real case-safe checksum suffix. Distinct for distinct seq (< 62**6)."""
    return _sf_id_bytes(prefix, seq).view("S18").ravel().astype("U18")


def sf_ids_pl(prefix: str, seq) -> pl.Series:
    """sf_ids as a polars Series, built straight from the bytes (fast for millions)."""
    buf = _sf_id_bytes(prefix, seq)
    n = len(buf)
    offsets = np.arange(0, 18 * (n + 1), 18, dtype=np.int64)
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf).ravel()))
    return pl.from_arrow(arr).cast(pl.Utf8)


def sf_id(prefix: str, seq: int) -> str:
    return str(sf_ids(prefix, [seq])[0])


# Gong id kinds (each gets its own 10**17 block of 19-digit numbers).
G_USER, G_CALL, G_PARTY, G_SPEAKER, G_WORKSPACE, G_SCORECARD, G_QUESTION, G_ANSWERED, G_REVISION = range(1, 10)


def gong_ids(kind: int, seq) -> np.ndarray:
    """19-digit Gong ids (int64, below 2**63)."""
    seq = np.asarray(seq, np.int64)
    return 7_000_000_000_000_000_000 + kind * 100_000_000_000_000_000 + (seq * 7919 + 104_729) % 100_000_000_000_000_000


def gong_id(kind: int, seq: int) -> int:
    return int(gong_ids(kind, np.array([seq]))[0])


# --- text formats ----------------------------------------------------------------------------
# Timestamps are rendered from lookup tables (date and time-of-day strings gathered by index
# and concatenated): several times faster than strftime on millions of rows.
TS_SUFFIX = {
    "sf": ".000+0000",  # Salesforce REST/Bulk style
    "z": "Z",
    "zms": ".000Z",
    "utc": "+00:00",
}
_TIME_TABLE: pl.Series | None = None


def _time_table() -> pl.Series:
    global _TIME_TABLE
    if _TIME_TABLE is None:
        s = np.arange(DAY)
        h, m, sec = s // 3600, (s // 60) % 60, s % 60
        _TIME_TABLE = pl.Series([f"{a:02d}:{b:02d}:{c:02d}" for a, b, c in zip(h.tolist(), m.tolist(), sec.tolist())],
                                dtype=pl.Utf8)
    return _TIME_TABLE


def date_text(days) -> pl.Series:
    days = np.asarray(days, np.int64)
    if len(days) == 0:
        return pl.Series([], dtype=pl.Utf8)
    lo, hi = int(days.min()), int(days.max())
    table = pl.Series(np.arange(lo, hi + 1, dtype=np.int32)).cast(pl.Date).cast(pl.Utf8)
    return table.gather(days - lo)


def offset_series(off_seconds) -> pl.Series:
    off = np.asarray(off_seconds, np.int64)
    if len(off) == 0:
        return pl.Series([], dtype=pl.Utf8)
    uniq, inv = np.unique(off, return_inverse=True)
    texts = []
    for o in uniq.tolist():
        a = abs(o)
        texts.append(f"{'-' if o < 0 else '+'}{a // 3600:02d}:{(a % 3600) // 60:02d}")
    return pl.Series(texts, dtype=pl.Utf8).gather(inv)


def ts_parts(t) -> tuple[pl.Series, pl.Series]:
    """(YYYY-MM-DD, HH:MM:SS) of epoch seconds."""
    t = np.asarray(t, np.int64)
    day = t // DAY
    return date_text(day), _time_table().gather(t - day * DAY)


def ts_text(t, style: str, off=None) -> pl.Series:
    """Epoch seconds -> ISO 8601 text. style 'offset' writes local time with its offset
    (e.g. 2025-03-04T09:15:22-08:00); the others write UTC (see TS_SUFFIX)."""
    t = np.asarray(t, np.int64)
    if len(t) == 0:
        return pl.Series([], dtype=pl.Utf8)
    if style == "offset":
        off = np.asarray(off, np.int64)
        d, tm = ts_parts(t + off)
        suffix = pl.lit(offset_series(off))
    else:
        d, tm = ts_parts(t)
        suffix = pl.lit(TS_SUFFIX[style])
    return pl.select(pl.concat_str([pl.lit(d), pl.lit("T"), pl.lit(tm), suffix])).to_series().alias("ts")


def to_series(values) -> pl.Series:
    """A polars Series from a Series, list or numpy array. Numpy unicode arrays go through
    Python str objects, which polars ingests several times faster than fixed-width UTF-32."""
    if isinstance(values, pl.Series):
        return values
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "U":
            return pl.Series(values.astype(object), dtype=pl.Utf8)
        if values.dtype == object:
            return pl.Series(values, dtype=pl.Utf8)
    return pl.Series(values)


def masked(values: pl.Series | np.ndarray, keep) -> pl.Series:
    """Text series with nulls where keep is False."""
    s = to_series(values).cast(pl.Utf8)
    drop = np.flatnonzero(~np.asarray(keep, bool))
    if len(drop):
        s = s.clone().scatter(drop, None)
    return s


def cat(options, codes) -> pl.Series:
    """Text of small-vocabulary codes, gathered from the options."""
    return pl.Series(list(options), dtype=pl.Utf8).gather(np.asarray(codes, np.int64))


BOOL_STYLES = {"lower": ("true", "false"), "upper": ("TRUE", "FALSE"), "num": ("1", "0")}


def bool_text(values, style: str) -> pl.Series:
    t, f = BOOL_STYLES[style]
    return cat([f, t], np.asarray(values, bool).astype(np.int64))


def int_text(values) -> pl.Series:
    return pl.Series(np.asarray(values, np.int64)).cast(pl.Utf8)


def group_starts(counts: np.ndarray) -> np.ndarray:
    """Start offset of each group in a flat array laid out group after group."""
    out = np.zeros(len(counts), np.int64)
    if len(counts) > 1:
        np.cumsum(counts[:-1], out=out[1:])
    return out


def ranks_within(group_start: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """0-based position of each flat element within its group."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(group_start, counts)
