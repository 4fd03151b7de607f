# ruff: noqa: F811
"""Bulk decisions all or nothing (store/bulk.py) and two deciders racing on one event
(decisions.put_in_force, the unique live_key of migration 0003), on SQLite and a real
PostgreSQL. The race is played deterministically: the second decider's read of "the decision
in force" is taken before the first one commits (two sessions, one after the other), which
is exactly what two simultaneous requests can do."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from coaching_pipeline.coaching.approvals import ApprovalRefused
from coaching_pipeline.workbench.store import Decision, decide, decision_history, undo_decision
from coaching_pipeline.workbench.store import decisions as store_decisions
from coaching_pipeline.workbench.store.bulk import decide_many
from coaching_pipeline.workbench.store.engine import MIGRATIONS
from coaching_pipeline.workbench.store.models import Decision as DecisionRow

from .store_world import _databases, apply_now, audit_rows, pg_server, store, world  # noqa: F401

pytestmark = pytest.mark.xdist_group("workbench_store")

AT = dt.datetime(2025, 1, 8, 9, 30)
LATER = dt.datetime(2025, 1, 8, 9, 31)


def _ids(world) -> tuple[str, str, str]:
    return world.events["R1 discovery"], world.events["R1 closing"], world.events["R3 negotiation"]


def _all(store) -> list[tuple]:
    with store.sessions() as session:
        return [(d.coaching_id, d.decision, d.decided_by, d.note, d.live_key, d.superseded_by is not None,
                 d.undone_at is not None) for d in session.scalars(select(Decision).order_by(Decision.id))]


# --------------------------------------------------------------------------------------
# bulk


def test_bulk_records_every_decision_in_one_go(store, world):
    d1, c1, n3 = _ids(world)
    rows = decide_many(store, world.facts, [d1, c1, n3, d1], "S1", "dismissed", note="Quarter end", at=AT)
    assert [(r.coaching_id, r.decision, r.note, r.decided_at) for r in rows] == [
        (d1, "dismissed", "Quarter end", AT), (c1, "dismissed", "Quarter end", AT), (n3, "dismissed", "Quarter end", AT)]
    assert _all(store) == [(cid, "dismissed", "S1", "Quarter end", cid, False, False) for cid in (d1, c1, n3)]
    assert audit_rows(store) == [("S1", "decide", cid, True, "one of 3 decided together") for cid in (d1, c1, n3)]
    assert apply_now(store, world).decisions == 3


def test_one_event_is_exactly_decide(store, world):
    d1, _, _ = _ids(world)
    [row] = decide_many(store, world.facts, [d1], "M1", "approved", at=AT)
    assert (row.decision, row.action_text, row.live_key) == ("approved", world.facts.event(d1)["recommended_action"], d1)
    assert audit_rows(store) == [("M1", "decide", d1, True, None)]


def test_an_event_already_decided_midway_refuses_the_whole_bulk(store, world):
    d1, c1, n3 = _ids(world)
    first = decide(store, world.facts, c1, "M1", "approved", at=AT)
    with pytest.raises(ApprovalRefused) as refused:
        decide_many(store, world.facts, [d1, c1, n3], "S1", "dismissed", note="Later", at=LATER)
    assert str(refused.value) == (
        f"coaching event {c1} was already decided: approved by M1 at 2025-01-08 09:30:00 UTC (not applied yet: "
        f"undo or change that decision, {first.id}, instead); none of the 3 checked recommendations was recorded")
    # d1 came before the conflict in the same transaction: rolled back with it
    assert _all(store) == [(c1, "approved", "M1", None, c1, False, False)]
    assert audit_rows(store)[1:] == [("S1", "decide", c1, False, str(refused.value))]


def test_a_foreign_event_refuses_the_whole_bulk_before_anything_is_written(store, world):
    d1, c1, n3 = _ids(world)
    with pytest.raises(ApprovalRefused, match=r"^M1 is not the manager of rep R3 \(manager: M2\)"):
        decide_many(store, world.facts, [d1, c1, n3], "M1", "approved", at=AT)
    assert _all(store) == []
    assert [a[1:4] for a in audit_rows(store)] == [("decide", n3, False)]


def test_bulk_modify_needs_its_text_and_unknown_events_are_refused(store, world):
    d1, c1, _ = _ids(world)
    with pytest.raises(ApprovalRefused, match=r"^a modified action needs its new text"):
        decide_many(store, world.facts, [d1, c1], "M1", "modified", action=" ", at=AT)
    with pytest.raises(ApprovalRefused, match=r"^unknown coaching event 'C0'$"):
        decide_many(store, world.facts, [d1, "C0"], "M1", "approved", at=AT)
    assert _all(store) == []
    with pytest.raises(ValueError):
        decide_many(store, world.facts, [], "M1", "approved", at=AT)


# --------------------------------------------------------------------------------------
# the race


@pytest.fixture
def stale_read(monkeypatch):
    """Arm it (`stale_read.arm(row)`) and the next read of the decision in force answers what
    it was before a concurrent decision committed (`row`: None, or the decision then in
    force): the window between a decider's check and their write. Later reads are real."""
    import coaching_pipeline.workbench.store.bulk as bulk

    real = store_decisions.live_decision

    class Stale:
        armed, before = False, None

        def arm(self, before=None):
            self.armed, self.before = True, before

        def __call__(self, session, coaching_id):
            if self.armed:
                self.armed = False
                return None if self.before is None else session.get(Decision, self.before.id)
            return real(session, coaching_id)

    stale = Stale()
    monkeypatch.setattr(store_decisions, "live_decision", stale)
    monkeypatch.setattr(bulk, "live_decision", stale)
    return stale


def test_two_sessions_cannot_both_put_a_decision_in_force(store, world):
    """The constraint itself: session B read "nothing decided", A commits, B's insert fails."""
    d1, _, _ = _ids(world)
    with store.sessions() as b:
        assert store_decisions.live_decision(b, d1) is None  # B's check, before A commits
        first = decide(store, world.facts, d1, "M1", "approved", at=AT)  # A, committed
        b.add(DecisionRow(coaching_id=d1, rep_id="R1", decision="dismissed", decided_by="S1", decided_at=LATER,
                          live_key=d1))
        with pytest.raises(IntegrityError):
            b.flush()
        b.rollback()
    assert [(r.id, r.decided_by) for r in decision_history(store, d1)] == [(first.id, "M1")]


def test_the_slm_deciding_at_the_same_moment_as_the_manager_is_refused(store, world, stale_read):
    d1, _, _ = _ids(world)
    first = decide(store, world.facts, d1, "M1", "approved", at=AT)  # the manager's write commits first
    stale_read.arm()  # the SLM's check ran before it: nothing decided
    with pytest.raises(ApprovalRefused) as refused:
        decide(store, world.facts, d1, "S1", "dismissed", note="No", at=AT)
    assert not stale_read.armed
    message = (f"coaching event {d1} was already decided: approved by M1 at 2025-01-08 09:30:00 UTC, at the same "
               f"moment as this decision (undo or change that decision, {first.id}, instead)")
    assert str(refused.value) == message
    assert _all(store) == [(d1, "approved", "M1", None, d1, False, False)]
    assert audit_rows(store) == [("M1", "decide", d1, True, None), ("S1", "decide", d1, False, message)]


def test_a_race_while_superseding_an_applied_decision_is_refused_too(store, world, stale_read):
    d1, _, _ = _ids(world)
    first = decide(store, world.facts, d1, "M1", "approved", at=AT)
    apply_now(store, world)
    with store.sessions() as s:
        applied = s.get(Decision, first.id)
    second = decide(store, world.facts, d1, "M1", "dismissed", note="Changed my mind", at=LATER)
    stale_read.arm(applied)  # the SLM's check saw the applied decision still in force
    with pytest.raises(ApprovalRefused, match=rf"already decided: dismissed by M1 .* decision, {second.id}, instead"):
        decide(store, world.facts, d1, "S1", "modified", action="Shadow a call", at=LATER)
    assert [(r.id, r.decision, r.superseded_by, r.live_key) for r in decision_history(store, d1)] == [
        (first.id, "approved", second.id, None), (second.id, "dismissed", None, d1)]


def test_a_bulk_losing_the_race_on_one_event_records_none(store, world, stale_read):
    d1, c1, _ = _ids(world)
    decide(store, world.facts, d1, "M1", "approved", at=AT)
    stale_read.arm()  # the bulk's first read (d1) ran before the manager's decision committed
    with pytest.raises(ApprovalRefused, match=r"at the same moment as this decision .*; none of the 2 checked"):
        decide_many(store, world.facts, [d1, c1], "S1", "dismissed", note="Later", at=LATER)
    assert _all(store) == [(d1, "approved", "M1", None, d1, False, False)]


def test_undo_frees_the_event_for_a_new_decision(store, world):
    d1, _, _ = _ids(world)
    first = decide(store, world.facts, d1, "M1", "approved", at=AT)
    undo_decision(store, world.facts, first.id, "M1", at=LATER)
    second = decide(store, world.facts, d1, "S1", "dismissed", note="Ramp", at=LATER)
    assert [(r.id, r.live_key, r.undone_at is not None) for r in decision_history(store, d1)] == [
        (first.id, None, True), (second.id, d1, False)]


# --------------------------------------------------------------------------------------
# the migration


@pytest.fixture(params=["sqlite", "postgresql"])
def old_store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite'}"
    return request.getfixturevalue("pg_server").create_database(f"store_old_{next(_databases)}")


def _upgrade(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_migration_0003_keys_the_newest_decision_in_force_of_each_event(old_store_url):
    url = old_store_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    engine = create_engine(url)
    _upgrade(engine, "0002")
    rows = [  # id, coaching_id, superseded_by, undone_at: c1 raced before (two in force), c2 undone, c3 replaced
        (1, "c1", None, None), (2, "c1", None, None), (3, "c2", None, AT), (4, "c3", None, None), (5, "c3", None, None)]
    with engine.begin() as con:
        for i, cid, sup, undone in rows:
            con.execute(text("insert into decision (id, coaching_id, rep_id, decision, decided_by, decided_at, "
                             "superseded_by, undone_at) values (:i, :c, 'r1', 'approved', 'm1', :at, :s, :u)"),
                        {"i": i, "c": cid, "at": AT, "s": sup, "u": undone})
        con.execute(text("update decision set superseded_by = 5 where id = 4"))
    _upgrade(engine, "head")
    with engine.connect() as con:
        got = con.execute(text("select id, live_key from decision order by id")).fetchall()
    assert [tuple(r) for r in got] == [(1, None), (2, "c1"), (3, None), (4, None), (5, "c3")]
    with engine.begin() as con, pytest.raises(IntegrityError):
        con.execute(text("update decision set live_key = 'c1' where id = 1"))
    engine.dispose()
