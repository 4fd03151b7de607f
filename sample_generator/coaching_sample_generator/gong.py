"""Gong API v2 response pages: users, extensive calls (context Extended), transcripts,
scorecard settings and answered scorecards.

Modules: gong_calls (which calls take place and their per-call metrics), gong_records (call
records and their parties), gong_transcripts, gong_scorecards (settings and answered
scorecards) and this one, the pages: every page depends only on (seed, page).

Local times follow each user's IANA zone (org.py; offsets from zoneinfo, daylight saving
included): metaData.scheduled/started and answered-scorecard callStartTime/reviewTime carry
the rep's offset of that day, Gong users' `created` the user's own offset. The Opportunity
context's Amount is the CRM Amount (in the deal's currency).

Call records are built as compact dicts page by page (json.dumps without indentation).
"""

from __future__ import annotations

import math
import random

import numpy as np

from .accounts import Accounts, Contacts
from .common import DAY, Calendar, iso_local, ts_text
from .deals import Deals
from .gong_calls import Calls
from .gong_records import CallRecords
from .gong_scorecards import answered_json, scorecard_defs
from .gong_transcripts import transcript_json
from .org import Org, ScaleSpec
from .writers import Sink

CHUNK_CALLS = 20_000  # calls rendered at once (bounded memory at L)


def _request_id(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(19))


def _cursor(rng: random.Random) -> str:
    return "eyJ" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
                           for _ in range(44))


def page(rng: random.Random, key: str, items: list, total: int, number: int, last: bool) -> dict:
    records = {"totalRecords": total, "currentPageSize": len(items), "currentPageNumber": number}
    if not last:
        records["cursor"] = _cursor(rng)
    return {"requestId": _request_id(rng), "records": records, key: items}


class GongWriter(CallRecords):
    """Writes the Gong pages: calls (rendered in chunks, CallRecords), transcripts and answered
    scorecards (a subset of calls, rendered per record), the scorecard settings and the users."""

    def __init__(self, org: Org, acc: Accounts, con: Contacts, deals: Deals, calls: Calls, cal: Calendar,
                 spec: ScaleSpec, seed: int, sink: Sink):
        super().__init__(org, acc, con, deals, calls, cal, spec, seed)
        self.sink = sink
        self.scorecard_defs = scorecard_defs(org, cal)

    # ---- pages -------------------------------------------------------------------------------------
    def n_pages(self) -> dict:
        P = self.spec.page_size
        return {"calls": math.ceil(self.calls.n / P),
                "transcripts": math.ceil(int(self.has_transcript.sum()) / P),
                "answered_scorecards": math.ceil(int(self.has_scorecard.sum()) / P)}

    def _page_text(self, stem: str, p: int, key: str, items: list[str], total: int, last: bool) -> str:
        rng = random.Random(f"{self.seed}:{stem}:{p}")
        records = '{"totalRecords":%d,"currentPageSize":%d,"currentPageNumber":%d' % (total, len(items), p)
        if not last:
            records += ',"cursor":"%s"' % _cursor(rng)
        return '{"requestId":"%s","records":%s},"%s":[%s]}' % (_request_id(rng), records, key, ",".join(items))

    def _write_page(self, stem: str, obj: str, key: str, p: int, items: list[str], total: int, last: bool) -> None:
        rel = f"gong/{stem}_{p + 1:04d}.json"
        self.sink.text(rel, obj, self._page_text(stem, p, key, items, total, last), len(items))

    def write_all(self, tick=lambda: None) -> dict:
        c, P = self.calls, self.spec.page_size
        pages = self.n_pages()
        if pages["calls"] > 9900:
            raise ValueError("too many Gong call pages for the calls_NNNN naming")
        total = c.n + (1 if pages["calls"] > 1 else 0)
        boundary = self.render_calls(P - 1, P)[0] if pages["calls"] > 1 else None
        chunk = max(P, CHUNK_CALLS // P * P)
        for lo in range(0, c.n, chunk):
            hi = min(lo + chunk, c.n)
            texts = self.render_calls(lo, hi)
            for p0 in range(lo, hi, P):
                p = p0 // P
                items = texts[p0 - lo:min(p0 + P, hi) - lo]
                if p == 1:
                    items = [boundary] + items  # overlapping pull: the last call of page 1 again
                self._write_page("calls", "gong_calls", "calls", p, items, total, p == pages["calls"] - 1)
                tick()
        t_idx = np.flatnonzero(self.has_transcript)
        for p in range(pages["transcripts"]):
            idx = t_idx[p * P:(p + 1) * P].tolist()
            self._write_page("transcripts", "gong_transcripts", "callTranscripts", p,
                             [transcript_json(self, i) for i in idx], len(t_idx), p == pages["transcripts"] - 1)
            tick()
        a_idx = np.flatnonzero(self.has_scorecard)
        for p in range(pages["answered_scorecards"]):
            idx = a_idx[p * P:(p + 1) * P]
            started = self.started_text(idx).to_list()
            review = ts_text(self.review[idx], "offset", self.cal.offset(self.org.s_tz[c.rep[idx]],
                                                                         self.review[idx] // DAY)).to_list()
            items = [answered_json(self, self.scorecard_defs, int(i), p * P + j + 1, p % 2 == 0, started[j], review[j])
                     for j, i in enumerate(idx.tolist())]
            self._write_page("answered_scorecards", "gong_answered_scorecards", "answeredScorecards", p, items,
                             len(a_idx), p == pages["answered_scorecards"] - 1)
            tick()
        sc = page(random.Random(f"{self.seed}:scorecards"), "scorecards", self.scorecard_defs,
                  len(self.scorecard_defs), 0, True)
        self.sink.json("gong/scorecards_0001.json", "gong_scorecards", sc, "scorecards")
        self._write_users()
        return {i: self.call(i) for i in self.keep_indices()}

    def keep_indices(self) -> list[int]:
        """Calls re-delivered on the late page (see messiness.py)."""
        ext = np.flatnonzero(self.calls.external & self.calls.ctx_opp)
        return [int(ext[3]), int(ext[7])]

    def _write_users(self) -> None:
        users = self.org.users
        recs = []
        for k, g in enumerate(self.org.gong_users):
            u = users[g["user"]]
            gid = u["gong_id"]
            rec = {"id": gid if k % 7 == 3 else str(gid),  # some exporters write ids as JSON numbers
                   "emailAddress": g["email"], "created": _iso_offset(u["created_ts"], u["tz"]),
                   "active": u["active"], "emailAliases": [], "firstName": u["first"], "lastName": u["last"],
                   "title": u["title"], "phoneNumber": None, "extension": None,
                   "personalMeetingUrls": [f"https://zoom.us/j/{8_000_000_000 + k}"],
                   "settings": {"webConferencesRecorded": True, "telephonyCallsImported": u["level"] == "seller",
                                "emailsImported": True},
                   "managerId": (g["manager_gong"] if k % 5 == 2 else str(g["manager_gong"]))
                   if g["manager_gong"] is not None else None,
                   "meetingConsentPageUrl": None,
                   "spokenLanguages": [{"language": "en-US", "primary": True}]}
            recs.append(rec)
        P = self.spec.page_size
        n_pages = max(1, math.ceil(len(recs) / P))
        for p in range(n_pages):
            items = recs[p * P:(p + 1) * P]
            doc = page(random.Random(f"{self.seed}:users:{p}"), "users", items, len(recs), p, p == n_pages - 1)
            self.sink.json(f"gong/users_{p + 1:04d}.json", "gong_users", doc, "users")


def _iso_offset(ts: int, zone: str) -> str:
    """Local ISO 8601 text of ts in the IANA zone, with that instant's offset."""
    return iso_local(ts, zone)
