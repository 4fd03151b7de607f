"""Gong scorecards: the scorecard settings (GET /v2/settings/scorecards) and the answered
scorecards of reviewed calls (POST /v2/stats/activity/scorecards), each answer scored from
the call's level of the skill its tag names (Discovery, Presentation/Demo, Objections,
Closing; the overall question from the mean level). The reviewTime and callStartTime carry the rep's offset of that day;
each answered scorecard depends only on (seed, call)."""

from __future__ import annotations

import json
import random

from .common import G_ANSWERED, G_QUESTION, G_REVISION, G_SCORECARD, Calendar, gong_id
from .gong_calls import WORKSPACE_ID
from .gong_records import CallRecords
from .org import Org
from .skill import CLOSING, DISCOVERY, OBJECTION, PRESENTATION

SCORECARDS = [
    ("Account Executive Call Scorecard", [
        ("Discovery: Did the rep uncover the business pain?", 1, 5, False),
        ("Discovery: Did the rep quantify the impact of the problem?", 1, 5, False),
        ("Presentation: Was the pitch tailored to the buyer's priorities?", 1, 5, False),
        ("Demo: Did the demo map to the use cases discovered?", 1, 5, False),
        ("Objections: Did the rep handle objections with evidence?", 1, 5, False),
        ("Closing: Did the rep secure a concrete next step with a date?", 1, 5, False),
        ("Discovery: Which discovery areas were covered?", None, None, False),  # multi-select, no score
        ("Overall: How do you rate the call overall?", 0, 50, True),
    ]),
    ("SDR Call Scorecard", [
        ("Discovery: Did the SDR qualify pain and timing?", 1, 5, False),
        ("Objections: Did the SDR handle the brush-off?", 1, 5, False),
        ("Closing: Was a meeting booked with a clear agenda?", 1, 5, False),
        ("Overall: How do you evaluate the SDR's overall performance in the call?", 0, 50, True),
    ]),
]
_J = json.dumps
# The skill a question's tag (its text up to ':') shows, as the product's settings tag them.
_TAG_SKILL = {"Discovery": DISCOVERY, "Presentation": PRESENTATION, "Demo": PRESENTATION,
              "Objections": OBJECTION, "Closing": CLOSING}


def _skill_of(question_text: str) -> int:
    return _TAG_SKILL[question_text.split(":", 1)[0]]


def scorecard_defs(org: Org, cal: Calendar) -> list[dict]:
    """The scorecard settings: an AE and an SDR scorecard."""
    defs = []
    q_seq = 0
    for k, (name, questions) in enumerate(SCORECARDS):
        qs = []
        for text, lo, hi, overall in questions:
            q_seq += 1
            qs.append({"questionId": str(gong_id(G_QUESTION, q_seq)),
                       "questionRevisionId": str(gong_id(G_REVISION, q_seq)),
                       "questionText": text, "isOverall": overall,
                       "questionType": "RANGE" if lo is not None else "MULTIPLE_CHOICE", "answerGuide": None,
                       "minRange": lo, "maxRange": hi,
                       "answerOptions": None if lo is not None else [
                           {"id": 1, "text": "Pain"}, {"id": 2, "text": "Budget"},
                           {"id": 3, "text": "Timeline"}, {"id": 4, "text": "Authority"}]})
        created = f"{cal.start.year - 1}-11-02T10:00:00-08:00"
        defs.append({"scorecardId": str(gong_id(G_SCORECARD, k + 1)), "scorecardName": name,
                     "workspaceId": str(WORKSPACE_ID), "enabled": True, "reviewMethod": "MANUAL",
                     "updaterUserId": str(org.users[0]["gong_id"]), "created": created, "updated": created,
                     "questions": qs})
    return defs


def answered_json(rec: CallRecords, defs: list[dict], i: int, seq: int, as_numbers: bool, started: str,
                  review: str) -> str:
    """JSON text of the answered scorecard number seq of call i (ids as JSON numbers when as_numbers)."""
    rng = random.Random(rec.seed * 1_000_033 + i)
    c, org = rec.calls, rec.org
    s = int(c.rep[i])
    sc = defs[1 if org.s_role[s] == "SDR" else 0]
    levels = c.q[i]
    answers = []
    for qd in sc["questions"]:
        lo, hi = qd["minRange"], qd["maxRange"]
        head = '{"questionId":"%s","questionRevisionId":"%s","isOverall":%s,' % (
            qd["questionId"], qd["questionRevisionId"], "true" if qd["isOverall"] else "false")
        if lo is None:
            opts = sorted(rng.sample(["1", "2", "3", "4"], 1 + rng.randrange(3)))
            answers.append(head + '"score":null,"answerText":null,"notApplicable":false,"selectedOptions":%s}'
                           % _J(opts))
            continue
        if rng.random() < 0.04 and not qd["isOverall"]:
            answers.append(head + '"score":null,"answerText":null,"notApplicable":true,"selectedOptions":null}')
            continue
        q = float(levels[_skill_of(qd["questionText"])] if not qd["isOverall"] else levels.mean())
        level = min(1.0, max(0.0, 0.25 + 0.8 * q + rng.gauss(0, 0.1)))
        score = int(round(lo + (hi - lo) * level))
        text = ('"Strong call, clear next step."' if level > 0.7 else
                '"Talked too much, few questions."' if level < 0.4 else "null")
        answers.append(head + '"score":%d,"answerText":%s,"notApplicable":false,"selectedOptions":null}'
                       % (score, text))
    users = org.users
    rep_gong = users[int(org.s_user[s])]["gong_id"]
    mgr_gong = users[int(org.s_manager_user[s])]["gong_id"]
    fmt = "%s" if as_numbers else '"%s"'
    ident = lambda v: fmt % v  # noqa: E731
    return ('{"answeredScorecardId":%s,"scorecardId":%s,"scorecardName":%s,"callId":%s,"callStartTime":"%s",'
            '"reviewedUserId":%s,"reviewerUserId":%s,"reviewMethod":"%s","editorUserId":null,"reviewTime":"%s",'
            '"visibilityType":"PUBLIC","answers":[%s]}' % (
                ident(gong_id(G_ANSWERED, seq)), ident(sc["scorecardId"]), _J(sc["scorecardName"]),
                ident(int(c.id[i])), started, ident(rep_gong), ident(mgr_gong),
                "MANUAL" if rng.random() < 0.7 else "AUTOMATIC", review, ",".join(answers)))
