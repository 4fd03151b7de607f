"""The persistence clock of one seller's skill (coaching contract, "Coaching log, approvals and
escalations"): fed the weekly assessments of that skill in date order, it opens a coaching
event at the first gap, counts the consecutive flagged weeks, restarts at 1 on a 10%
improvement, escalates to the SLM at every multiple of persistence_weeks and resolves the
event at the first week without a gap. rules.replay runs one clock per (rep, skill); the
decisions where the design is silent are listed there.
"""

from __future__ import annotations

import datetime as dt
import json

from ..config import CoachingSettings
from . import ids, signal, wording

_EPS = 1e-9


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class PersistenceClock:
    """Events, weekly history and persistence escalations of one (rep, skill)."""

    def __init__(self, rep_id: str, skill: str, people: dict, cfg: CoachingSettings, pattern_key: str | None = None):
        self.rep_id, self.skill, self.people, self.cfg = rep_id, skill, people, cfg
        self.pattern_key = pattern_key or f"skill:{skill}"
        self.events: list[dict] = []
        self.history: list[dict] = []
        self.escalations: list[dict] = []
        self._event: dict | None = None  # the open event
        self._event_history: list[dict] = []
        self._run: list[tuple[dt.date, float]] = []  # (date, score) of the current clock run
        self._last_score: float | None = None  # the event's previous scored week
        self._last_escalation: dt.date | None = None  # the event's latest escalation

    # one week --------------------------------------------------------------------------

    def week(self, row: dict) -> None:
        """Advance the clock by one weekly assessment row (of this rep and skill)."""
        day, score = row["assessment_date"], row["score"]
        # signal.mark_flags decides (relative to the cohort); a bare log row, by its threshold
        flagged = row["flagged"] if "flagged" in row else (None if score is None else bool(row.get("gap_detected")))
        ev = self._event
        if flagged is None:  # insufficient data, or a process gap: kept in the history, the clock does not move
            if ev is not None:
                self._record(day, None, score, ev["weeks_flagged"], False, False)
            return
        if ev is None:
            if flagged:
                self._open(row)
            return
        if not flagged:
            self._resolve(day, score)
            return
        reset = self._last_score is not None and self._improved(self._last_score, score)
        if reset:
            ev["weeks_flagged"] = 1
            self._run = [(day, score)]
        else:
            ev["weeks_flagged"] += 1
            self._run.append((day, score))
        pattern, action = self._describe(row)
        ev.update(last_assessed_on=day, pattern_detected=pattern, recommended_action=action,
                  **self._evidence(row))
        self._count(day, score, reset)

    def finish(self) -> tuple[list[dict], list[dict], list[dict]]:
        """(events, history rows, escalations) once every week was fed."""
        if self._event is not None:
            self.events.append(self._event)
            self._event = None
        return self.events, self.history, self.escalations

    # what differs between a skill and a role metric (role_clock.MetricClock) -------------

    def _improved(self, previous: float, now: float) -> bool:
        """A 10% relative move in the right direction (a higher score) restarts the clock."""
        return now > previous and now - previous >= self.cfg.improvement_reset * previous - _EPS

    def _describe(self, row: dict) -> tuple[str, str]:
        return wording.describe_gap(row, self.cfg)

    def _evidence(self, row: dict) -> dict:
        return signal.evidence_fields(row, self.cfg)

    def _reason(self, weeks: list[tuple[dt.date, float]], since: dt.date | None) -> str:
        return wording.persistence_reason(self.skill, weeks, wording.weakest_text(self._event["pattern_detected"]),
                                          self.cfg, since)

    # steps -----------------------------------------------------------------------------

    def _open(self, row: dict) -> None:
        day = row["assessment_date"]
        pattern, action = self._describe(row)
        self._event = {
            "coaching_id": ids.coaching_id(self.rep_id, self.pattern_key, day), "rep_id": self.rep_id,
            **self.people,
            "pattern_key": self.pattern_key, "pattern_detected": pattern, "recommended_action": action,
            "opened_on": day, "last_assessed_on": day, "weeks_flagged": 1,
            "escalated_to_slm": False, "escalation_date": None, "escalation_reason": None,
            "resolution_date": None, "improvement_detected": False, "status": "open",
            **self._evidence(row),
        }
        self._event_history = []
        self._run = [(day, row["score"])]
        self._last_escalation = None
        self._count(day, row["score"], False)

    def _resolve(self, day: dt.date, score: float) -> None:
        ev = self._event
        self._record(day, False, score, None, False, False)
        ev.update(last_assessed_on=day, resolution_date=day, improvement_detected=True, status="resolved")
        self.events.append(ev)
        self._event, self._last_score = None, None

    def _count(self, day: dt.date, score: float, reset: bool) -> None:
        """Record a flagged week at the clock's count; escalate at a multiple of persistence_weeks."""
        self._last_score = score
        clock = self._event["weeks_flagged"]
        escalates = clock % self.cfg.persistence_weeks == 0
        self._record(day, True, score, clock, reset, escalates)
        if escalates:
            self._escalate(day)

    def _record(self, day, flagged, value, clock, reset, escalated) -> None:
        row = {
            "coaching_id": self._event["coaching_id"], "assessment_date": day, "flagged": flagged,
            "metric_value": value, "clock_week": clock, "clock_reset": reset, "escalated": escalated,
        }
        self._event_history.append(row)
        self.history.append(row)

    def _escalate(self, day: dt.date) -> None:
        ev, since = self._event, self._last_escalation
        weeks = [(d, s) for d, s in self._run if since is None or d > since]
        reason = self._reason(weeks, since)
        self._last_escalation = day
        if since is None:  # the event's escalation; the later ones are its re-flags
            ev.update(escalated_to_slm=True, escalation_date=day, escalation_reason=reason)
        people = self.people
        self.escalations.append({
            "escalation_id": ids.escalation_id("persistence", self.rep_id, self.pattern_key, day),
            "rep_id": self.rep_id, "role": people["role"], "rule": "persistence",
            "pattern_key": self.pattern_key, "coaching_id": ev["coaching_id"], "escalated_to": "slm",
            "manager_id": people["manager_id"], "slm_id": people["slm_id"], "escalation_date": day,
            "reason": reason,
            "history": json.dumps([
                {**{k: v for k, v in h.items() if k != "coaching_id"}, "assessment_date": _iso(h["assessment_date"])}
                for h in self._event_history
            ]),
        })
