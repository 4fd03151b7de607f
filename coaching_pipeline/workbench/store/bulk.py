"""Several decisions at once (the inbox's "approve / dismiss checked"), all or nothing.

A manager who checks five recommendations and presses Dismiss means one act: recording them
one by one would leave the first two dismissed and the rest pending when the third is
refused (already decided, say), with the page saying "not done". Here every check of
decisions.py runs for every event first (who decides, the event exists, the text a modify
needs: each refusal audited and raised before anything is written), then all the decisions
are written in ONE transaction, each checked again against the decision in force inside it;
the first conflict rolls the whole transaction back and is refused (audited once, naming the
event and saying that none was recorded). A decision another decider put in force between
the check and the write makes the insert fail on the unique live_key (decisions.put_in_force)
and refuses the bulk the same way.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError

from ...db import utc_now
from .audit import refuse
from .decisions import _new_row, already_decided, live_decision, put_in_force, raced
from .engine import Store
from .facts import Facts
from .models import Decision


class _Conflict(Exception):
    """Raised inside the transaction to roll it back; carries the refusal's target and sentence."""

    def __init__(self, coaching_id: str, message: str):
        super().__init__(message)
        self.coaching_id, self.message = coaching_id, message


def _none_recorded(message: str, count: int) -> str:
    return message if count == 1 else f"{message}; none of the {count} checked recommendations was recorded"


def decide_many(store: Store, facts: Facts, coaching_ids: list[str], by: str, decision: str, *,
                action: str | None = None, note: str | None = None,
                at: dt.datetime | None = None) -> list[Decision]:
    """Record the same decision (approved / modified / dismissed, with its action text or
    note) on every event of `coaching_ids` (duplicates count once), in one transaction: all
    of them, or none and ApprovalRefused. One event gives exactly decisions.decide's result
    and sentences."""
    at = at or utc_now()
    ids = list(dict.fromkeys(coaching_ids))
    if not ids:
        raise ValueError("decide_many needs at least one coaching event")
    checked = [_new_row(store, facts, cid, by, decision, action, note, at, "decide") for cid in ids]
    detail = f"one of {len(ids)} decided together" if len(ids) > 1 else None
    writing = None  # the event whose decision is being written (the one a failed insert names)
    try:
        with store.sessions.begin() as session:
            recorded = []
            for event, row in checked:
                writing = row.coaching_id
                current = live_decision(session, writing)
                message = already_decided(event, current, row)
                if message is not None:
                    raise _Conflict(writing, message)
                recorded.append(put_in_force(session, row, current, by, at, detail=detail))
            return recorded
    except _Conflict as conflict:  # the transaction is rolled back: nothing of the bulk was written
        target, message = conflict.coaching_id, conflict.message
    except IntegrityError:  # another decider put theirs in force on `writing` since our check
        target, message = writing, raced(store, writing)
    refuse(store, by, "decide", target, _none_recorded(message, len(ids)))
