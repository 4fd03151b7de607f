"""Gong call transcripts (POST /v2/calls/transcript): speaker turns whose lengths follow the
call's talk ratio, longest monologue and longest customer story, with sentences from fixed
rep and customer lines. Each transcript depends only on (seed, call)."""

from __future__ import annotations

import json
import random

import numpy as np

from .gong_records import P_INTERNAL, CallRecords

REP_LINES = [
    "Thanks for making time today.", "What does your current process look like?",
    "How are you handling forecasting today?", "Who else is involved in this decision?",
    "What happens if you don't solve this this quarter?", "Let me share how other teams approached this.",
    "Here is how the platform handles that.", "What would success look like in six months?",
    "Does that match what you expected?", "How do you evaluate vendors in this space?",
    "What budget has been set aside for this?", "Let me walk you through the dashboard.",
    "Let's agree on next steps: I'll send the proposal and we meet Thursday.",
]
CUSTOMER_LINES = [
    "Right now it's mostly spreadsheets.", "Our CFO will need to sign off.", "We looked at another vendor last year.",
    "Timing matters, we need this before the next quarter.", "Pricing is a concern for us.",
    "The team spends hours on manual reporting.", "Security review usually takes two weeks.",
    "That sounds useful, can you show me?", "I need to check with my manager.", "We'd want a pilot first.",
    "Our biggest problem is visibility into the pipeline.", "Integration with Salesforce is a must.",
]
TOPIC_BY_PHASE = ["Call Setup", "Discovery", "Product", "Pricing", "Next Steps"]
_REP_LINES_J = [json.dumps(x) for x in REP_LINES]
_CUSTOMER_LINES_J = [json.dumps(x) for x in CUSTOMER_LINES]


def transcript_json(rec: CallRecords, i: int) -> str:
    """JSON text of the transcript of call i."""
    rng = random.Random(rec.seed * 1_000_003 + i)
    c = rec.calls
    dur = int(c.duration[i])
    talk_ratio, mono, story = (float(v) for v in c.stats[i, :3])
    rows = np.arange(rec.p_off[i], rec.p_off[i + 1])
    _, spk = rec.party_ids(rows)
    speakers = [str(x) for x in spk.tolist()]
    types = rec.p_type[rows].tolist()
    rep_spk = speakers[0]
    others = [sp for sp, t in zip(speakers, types) if t != P_INTERNAL] or speakers[1:] or [rep_spk]
    talk = dur * 0.88
    rep_total, cust_total = talk * talk_ratio, talk * (1 - talk_ratio)
    n_turns = max(3, min(14, int(rep_total / max(mono * 0.5, 20))))
    rep_turns = _split_total(rng, max(rep_total - mono, 5.0), n_turns - 1, mono * 0.9) + [mono]
    rng.shuffle(rep_turns)
    cust_turns = _split_total(rng, max(cust_total - story, 5.0), n_turns - 1, story * 0.9) + [story]
    rng.shuffle(cust_turns)
    scale = min(dur / max(sum(rep_turns) + sum(cust_turns) + n_turns * 2.0, 1.0), 1.0)
    t = 1.0
    blocks = []
    for j in range(n_turns):
        for speaker, length, lines in ((rep_spk, rep_turns[j], _REP_LINES_J),
                                       (others[j % len(others)], cust_turns[j], _CUSTOMER_LINES_J)):
            length *= scale
            n_sent = 1 if length < 20 else 2
            seg = length / n_sent
            sentences = []
            for _ in range(n_sent):
                sentences.append('{"start":%d,"end":%d,"text":%s}' % (
                    int(t * 1000), int((t + seg) * 1000), lines[rng.randrange(len(lines))]))
                t += seg
            phase = min(4, int(5 * t / max(dur, 1)))
            topic = '"' + TOPIC_BY_PHASE[phase] + '"' if rng.random() < 0.8 else "null"
            blocks.append('{"speakerId":"%s","topic":%s,"sentences":[%s]}' % (speaker, topic, ",".join(sentences)))
            t += 0.3 + rng.random() * 1.2
    return '{"callId":"%d","transcript":[%s]}' % (int(c.id[i]), ",".join(blocks))


def _split_total(rng: random.Random, total: float, k: int, cap: float) -> list[float]:
    if k <= 0:
        return []
    w = [rng.random() + 0.3 for _ in range(k)]
    s = sum(w)
    return [min(total * x / s, cap) for x in w]
