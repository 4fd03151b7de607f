"""Gong call records (POST /v2/calls/extensive, context Extended): the text drawn per call,
who is on each call (the parties) and the JSON text of each call.

Local times follow each user's IANA zone (org.py; offsets from zoneinfo, daylight saving
included): metaData.scheduled/started carry the rep's offset of that day. The Opportunity
context's Amount is the CRM Amount (in the deal's currency).
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from .accounts import Accounts, Contacts
from .common import (
    DAY,
    G_PARTY,
    G_SPEAKER,
    Calendar,
    cat,
    date_text,
    gong_ids,
    masked,
    offset_series,
    rng_for,
    to_series,
    ts_parts,
    ts_text,
)
from .deals import Deals
from .gong_calls import (
    KIND_BACKGROUND,
    KIND_FIRST,
    KIND_FOLLOW,
    KIND_INTERNAL,
    T_DEMO,
    T_NEXT,
    T_PRICING,
    TRACKERS,
    WORKSPACE_ID,
    Calls,
)
from .org import Org, ScaleSpec
from .writers import check_plain as _check_plain

STAT_NAMES = ["Talk Ratio", "Longest Monologue", "Longest Customer Story", "Interactivity", "Patience"]
FOLLOW_TITLES = ["Follow-up", "Product demo", "Pricing review", "Technical deep dive", "Negotiation", "Check-in",
                 "Stakeholder alignment"]
INTERNAL_TITLES = ["Pipeline review", "1:1", "Deal strategy", "Forecast call", "Account planning"]

_J = json.dumps
_UNKNOWN_FIRST = ["alex", "sam", "jordan", "casey", "taylor", "morgan", "riley", "jamie"]
_UNKNOWN_LAST = ["reed", "shaw", "park", "lane", "ford", "cole", "hart", "wells"]
P_INTERNAL, P_CONTACT, P_CONTACT_NOCTX, P_UNKNOWN = range(4)


def _lit(x):
    return pl.lit(x) if isinstance(x, (str, pl.Series)) else x


def _cat(*parts) -> pl.Series:
    """Concatenate literals and text Series (a null part makes the result null)."""
    return pl.select(pl.concat_str([_lit(p) for p in parts])).to_series()


def _txt(values) -> pl.Series:
    return pl.Series(np.asarray(values)).cast(pl.Utf8)


class CallRecords:
    """Renders Gong call records. They are built column-wise with polars (every JSON fragment
    is a concatenation of gathered text), so millions of calls stay fast; only the parties of
    each call are joined in Python. Everything drawn here comes from one generator seeded by
    (seed, "gong-text"), drawn once for all calls."""

    def __init__(self, org: Org, acc: Accounts, con: Contacts, deals: Deals, calls: Calls, cal: Calendar,
                 spec: ScaleSpec, seed: int):
        self.org, self.acc, self.con, self.deals, self.calls, self.cal = org, acc, con, deals, calls, cal
        self.spec, self.seed = spec, seed
        nrng = rng_for(seed, "gong-text")
        c = calls
        n = c.n
        self.off = cal.offset(org.s_tz[c.rep], c.started // DAY)
        self.micro = nrng.integers(0, 1_000_000, n)
        review = np.minimum(c.started + nrng.integers(3600, 3 * DAY, n), cal.end_ts - 60)
        self.review = np.maximum(review, c.started + 60)
        self.has_transcript = c.external & (nrng.random(n) < spec.transcript_share)
        self.has_scorecard = c.external & (nrng.random(n) < spec.scorecard_share)
        self.k = nrng.integers(0, 1 << 30, n)
        self.x = nrng.random((4, n))
        tr = c.trackers.copy()
        demo = (c.kind == KIND_FOLLOW) & (self.k % len(FOLLOW_TITLES) == FOLLOW_TITLES.index("Product demo"))
        tr[demo, T_DEMO] += 3 + self.k[demo] % 4
        self.tr = tr
        users = org.users
        frag: list[str | None] = [None] * len(users)
        for g in org.gong_users:
            u = users[g["user"]]
            frag[g["user"]] = (
                f'"emailAddress":{_J(g["email"])},"name":{_J(u["name"])},"title":{_J(u["title"])},'
                f'"userId":"{u["gong_id"]}","context":[{{"system":"Salesforce","objects":[{{"objectType":"User",'
                f'"objectId":"{u["id"]}"}}]}}],"affiliation":"Internal","methods":["Attendee"]}}')
        self.USER_FRAG = pl.Series(frag, dtype=pl.Utf8)
        self.USER_GONG = pl.Series([str(u["gong_id"]) for u in users], dtype=pl.Utf8)
        _check_plain(acc.name, acc.industry, con.name, con.email, con.title, deals.name)
        self.ACC_ID, self.ACC_NAME, self.ACC_IND = to_series(acc.id), to_series(acc.name), to_series(acc.industry)
        self.CON_ID, self.CON_EMAIL = to_series(con.id), to_series(con.email)
        self.CON_NAME, self.CON_TITLE = to_series(con.name), to_series(con.title)
        self.DEAL_ID, self.DEAL_NAME = to_series(deals.id), to_series(deals.name)
        self.DEAL_STAGE = to_series(deals.stage_name)
        self.DEAL_AMOUNT = deals.amount_text
        self.DEAL_CLOSE = date_text(deals.close_day)
        self.se_users = np.array(org.se_users, np.int64)
        self._party_table()

    # ---- who is on each call --------------------------------------------------------------------
    def _party_table(self) -> None:
        """One row per call party: the rep first, then other internal users, then external
        people (contact-role contacts of the deal worked, a contact of the account, or someone
        unknown to the CRM). Fallback calls list their contacts by email only."""
        c, org, deals, acc = self.calls, self.org, self.deals, self.acc
        n, k, x0, x1 = c.n, self.k, self.x[0], self.x[1]
        kind, rep = c.kind, c.rep
        n_se = len(self.se_users)
        se_pick = self.se_users[k % n_se] if n_se else np.full(n, -1)
        mgr = org.s_manager_user[rep]
        internal = kind == KIND_INTERNAL
        u1 = np.where(internal, mgr, np.where((kind <= KIND_FOLLOW) & (x0 < 0.2) & (n_se > 0), se_pick,
                                              np.where(x0 > 0.93, mgr, -1)))
        u2 = np.where(internal & (x0 < 0.3) & (n_se > 0), se_pick, -1)
        n_int = 1 + (u1 >= 0) + (u2 >= 0)
        ed = c.ext_contacts_deal
        edc = np.maximum(ed, 0)
        cnt = deals.ocr_count[edc]
        m = np.minimum(cnt, np.where(cnt >= 4, 2 + k % 2, 1 + k % 2))
        n_ext = np.where(internal, 0, np.where(ed >= 0, m, 1))
        total = n_int + n_ext
        p_off = np.zeros(n + 1, np.int64)
        np.cumsum(total, out=p_off[1:])
        call_of = np.repeat(np.arange(n), total)
        j = np.arange(int(p_off[-1])) - p_off[call_of]
        ni = n_int[call_of]
        user = np.where(j == 0, org.s_user[rep[call_of]], np.where(j == 1, u1[call_of], u2[call_of]))
        e = j - ni
        ocr_pos = deals.ocr_start[edc[call_of]] + (k[call_of] + np.maximum(e, 0)) % np.maximum(cnt[call_of], 1)
        contact_deal = deals.ocr_contact[np.minimum(ocr_pos, len(deals.ocr_contact) - 1)]
        a = c.account[call_of]
        ac = np.maximum(a, 0)
        acc_contact = acc.contact_start[ac] + k[call_of] % acc.contact_count[ac]
        with_ctx = ~((kind == KIND_BACKGROUND) | ~c.ctx_opp)[call_of]
        has_deal = ed[call_of] >= 0
        ptype = np.where(j < ni, P_INTERNAL,
                         np.where(has_deal, np.where(with_ctx, P_CONTACT, P_CONTACT_NOCTX),
                                  np.where((a >= 0) & (x1[call_of] < 0.85), P_CONTACT, P_UNKNOWN)))
        self.p_off, self.p_call, self.p_j = p_off, call_of, j
        self.p_type = ptype
        self.p_ref = np.where(ptype == P_INTERNAL, user, np.where(has_deal, contact_deal,
                                                                  np.where(ptype == P_CONTACT, acc_contact, -1)))

    def party_ids(self, rows) -> tuple[np.ndarray, np.ndarray]:
        seq = self.p_call[rows] * 8 + self.p_j[rows] + 1
        return gong_ids(G_PARTY, seq), gong_ids(G_SPEAKER, seq)

    def _party_frags(self, lo: int, hi: int) -> list[str]:
        rows = np.arange(lo, hi)
        pid, spk = self.party_ids(rows)
        ptype, ref = self.p_type[rows], self.p_ref[rows]
        kk = self.k[self.p_call[rows]]
        contact = np.maximum(np.where(ptype == P_INTERNAL, 0, ref), 0)
        user = np.maximum(np.where(ptype == P_INTERNAL, ref, 0), 0)
        email = self.CON_EMAIL.gather(contact)
        name = self.CON_NAME.gather(contact)
        uf, ul = _UNKNOWN_FIRST, _UNKNOWN_LAST
        unk_first = cat(uf, kk % 8)
        unk_last = cat(ul, (kk >> 3) % 8)
        unk_email = _cat(unk_first, ".", unk_last, _txt(kk % 97), "@prospect-mail.example")
        unk_name = _cat(cat([w.capitalize() for w in uf], kk % 8), " ", cat([w.capitalize() for w in ul], (kk >> 3) % 8))
        df = pl.DataFrame({
            "t": ptype, "head": _cat('{"id":"', _txt(pid), '","speakerId":"', _txt(spk), '",'),
            "user": self.USER_FRAG.gather(user), "email": email, "name": name,
            "title": self.CON_TITLE.gather(contact), "cid": self.CON_ID.gather(contact),
            "ue": unk_email, "un": unk_name,
        })
        person = pl.concat_str([pl.lit('"emailAddress":"'), pl.col("email"), pl.lit('","name":"'), pl.col("name"),
                                pl.lit('","title":"'), pl.col("title"), pl.lit('",')])
        ext_tail = pl.lit('"affiliation":"External","methods":["Invitee","Attendee"]}')
        out = df.select(pl.concat_str([pl.col("head"), pl.when(pl.col("t") == P_INTERNAL).then(pl.col("user"))
            .when(pl.col("t") == P_CONTACT).then(pl.concat_str([
                person, pl.lit('"context":[{"system":"Salesforce","objects":[{"objectType":"Contact","objectId":"'),
                pl.col("cid"), pl.lit('"}]}],'), ext_tail]))
            .when(pl.col("t") == P_CONTACT_NOCTX).then(pl.concat_str([person, ext_tail]))
            .otherwise(pl.concat_str([pl.lit('"emailAddress":"'), pl.col("ue"), pl.lit('","name":"'), pl.col("un"),
                                      pl.lit('","title":null,"affiliation":"External","methods":["Attendee"]}')]))]))
        return out.to_series().to_list()

    # ---- call records -------------------------------------------------------------------------------
    def started_text(self, idx) -> pl.Series:
        c = self.calls
        off = self.off[idx]
        d, tm = ts_parts(c.started[idx] + off)
        return _cat(d, "T", tm, ".", _txt(self.micro[idx]).str.zfill(6), offset_series(off))

    def render_calls(self, lo: int, hi: int) -> list[str]:
        """JSON text of calls lo..hi-1 (POST /v2/calls/extensive, context Extended)."""
        c = self.calls
        idx = np.arange(lo, hi)
        m = len(idx)
        kind, rep, deal = c.kind[idx], c.rep[idx], c.deal[idx]
        acc_i = c.account[idx]
        k, x2, x3 = self.k[idx], self.x[2][idx], self.x[3][idx]
        cid = _txt(c.id[idx])
        acc_any = np.where(acc_i >= 0, acc_i, np.where(acc_i < -1, -2 - acc_i, -1))
        acc_name = self.ACC_NAME.gather(np.maximum(acc_any, 0))
        title = pl.DataFrame({"kind": kind, "acc": masked(acc_name, acc_any >= 0),
                              "it": cat(INTERNAL_TITLES, k % len(INTERNAL_TITLES)),
                              "ft": cat(FOLLOW_TITLES, k % len(FOLLOW_TITLES))}).select(
            pl.when(pl.col("kind") == KIND_INTERNAL).then(pl.col("it"))
            .when(pl.col("kind") == KIND_FIRST).then(pl.concat_str([pl.col("acc"), pl.lit(" <> VendorCo | Discovery")]))
            .when(pl.col("kind") == KIND_FOLLOW).then(pl.concat_str([pl.col("acc"), pl.lit(" <> VendorCo | "), pl.col("ft")]))
            .otherwise(pl.concat_str([pl.lit("Intro call - "), pl.col("acc")]).fill_null("Prospecting call"))
        ).to_series()
        phone = (kind == KIND_BACKGROUND) & (self.org.s_role[rep] == "SDR") & (x2 < 0.7)
        ph = phone.astype(np.int64)
        user = self.org.s_user[rep]
        gong_user = self.USER_GONG.gather(user)
        disp = np.where(phone, np.where(x3 < 0.3, 1, 2), 0)
        meeting_url = masked(_cat('"https://zoom.us/j/', _txt(9_000_000_000 + k), '"'), ~phone).fill_null("null")
        dur = c.duration[idx]
        meta = _cat(
            '{"id":"', cid, '","url":"https://app.gong.io/call?id=', cid, '","title":"', title, '","scheduled":"',
            ts_text(c.scheduled[idx], "offset", self.off[idx]), '","started":"', self.started_text(idx),
            '","duration":', _txt(dur), ',"primaryUserId":"', gong_user, '","direction":"',
            cat(["Conference", "Outbound"], ph), '","system":"', cat(["Zoom", "Outreach"], ph), '","scope":"',
            cat(["External", "Internal"], (kind == KIND_INTERNAL).astype(np.int64)), '","media":"',
            cat(["Video", "Audio"], ph), '","language":"eng","workspaceId":"' + str(WORKSPACE_ID) + '","sdrDisposition":',
            cat(["null", '"Answered - Meeting Booked"', '"Answered"'], disp),
            ',"clientUniqueId":null,"customData":null,"purpose":null,"meetingUrl":', meeting_url, ',"isPrivate":false}')
        # context: Account and Opportunity objects
        a0 = np.maximum(acc_i, 0)
        acc_obj = masked(_cat('{"objectType":"Account","objectId":"', self.ACC_ID.gather(a0),
                              '","timing":"Now","fields":[{"name":"Name","value":"', self.ACC_NAME.gather(a0),
                              '"},{"name":"Industry","value":"', self.ACC_IND.gather(a0), '"}]}'), acc_i >= 0)
        d0 = np.maximum(deal, 0)
        opp_obj = masked(_cat('{"objectType":"Opportunity","objectId":"', self.DEAL_ID.gather(d0),
                              '","timing":"Now","fields":[{"name":"Name","value":"', self.DEAL_NAME.gather(d0),
                              '"},{"name":"StageName","value":"', self.DEAL_STAGE.gather(d0),
                              '"},{"name":"Amount","value":', self.DEAL_AMOUNT.gather(d0),
                              '},{"name":"CloseDate","value":"', self.DEAL_CLOSE.gather(d0), '"}]}'),
                         c.ctx_opp[idx] & (deal >= 0))
        objs = pl.select(pl.concat_str([pl.lit(acc_obj), pl.lit(opp_obj)], separator=",", ignore_nulls=True)).to_series()
        context = pl.DataFrame({"o": objs}).select(
            pl.when(pl.col("o") == "").then(pl.lit("[]"))
            .otherwise(pl.concat_str([pl.lit('[{"system":"Salesforce","objects":['), pl.col("o"), pl.lit("]}]")]))
        ).to_series()
        prefix = _cat('{"metaData":', meta, ',"context":', context, ',"parties":[').to_list()
        # content
        tr = self.tr[idx]
        parts = ['{"trackers":[']
        for t_i, name in enumerate(TRACKERS):
            parts += [('' if t_i == 0 else '},') + '{"name":"' + name + '","count":', _txt(tr[:, t_i])]
        parts += ['}],"topics":[{"name":"Call Setup","duration":', _txt((dur * 0.05).astype(np.int64)),
                  '},{"name":"Pricing","duration":', _txt(np.where(tr[:, T_PRICING] > 0, (dur * 0.12).astype(np.int64), 0)),
                  '},{"name":"Next Steps","duration":', _txt(np.where(tr[:, T_NEXT] > 0, (dur * 0.08).astype(np.int64), 0)),
                  "}]}"]
        content = _cat(*parts)
        st = c.stats[idx]
        miss = c.stat_missing[idx]
        stat_parts = []
        for j, name in enumerate(STAT_NAMES):
            val = _txt(st[:, j]) if j in (0, 3, 4) else _txt(st[:, j].astype(np.int64))
            stat_parts.append(masked(_cat('{"name":"' + name + '","value":', val, "}"), miss != j))
        stats = pl.select(pl.concat_str([pl.lit(s) for s in stat_parts], separator=",", ignore_nulls=True)).to_series()
        pid0, _ = self.party_ids(self.p_off[idx])
        qs = c.questions[idx]
        questions = masked(_cat(',"questions":{"companyCount":', _txt(qs[:, 0]), ',"nonCompanyCount":', _txt(qs[:, 1]), "}"),
                           ~c.questions_missing[idx]).fill_null("")
        suffix = _cat('],"content":', content, ',"interaction":{"speakers":[{"id":"', _txt(pid0), '","userId":"', gong_user,
                      '","talkTime":', _txt(np.round(dur * 0.9 * st[:, 0], 1)), '}],"interactionStats":[', stats, "]",
                      questions, '},"collaboration":{}}').to_list()
        frags = self._party_frags(int(self.p_off[lo]), int(self.p_off[hi]))
        base = int(self.p_off[lo])
        po = (self.p_off[lo:hi + 1] - base).tolist()
        return [prefix[i] + ",".join(frags[po[i]:po[i + 1]]) + suffix[i] for i in range(m)]

    def call(self, i: int) -> dict:
        return json.loads(self.render_calls(i, i + 1)[0])

