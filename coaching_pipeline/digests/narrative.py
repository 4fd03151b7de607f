"""The AI narrative of a rep digest: the strengths, improvement and this-week sections.

With an Anthropic API key, Claude writes them through the real `anthropic` SDK as structured
output: a single tool whose input_schema is NARRATIVE_SCHEMA, forced with tool_choice; the
answer is validated here again (jsonschema, plus the guardrail that it names no other
seller). The prompt holds the rep's structured metrics only (`facts`): numbers, levels,
targets, the recommendations the manager approved, never a transcript, a call title, an
account or a person's name.

Answers are cached in coaching.llm_cache by the SHA-256 of everything sent (prompt version,
model, system prompt, schema, facts): a re-render of the same month costs no tokens and
gives the same text. Failures are never cached.

The deterministic template (`template_narrative`) is used without a key, on any API error
(after the SDK's own retries with backoff on 429, 5xx, timeouts and connection errors), on
an answer that fails validation, on an answer stating a number the facts do not support
(figures.unsupported_figures: a figure contradicting the metrics), and for the rest of a run
after CIRCUIT_BREAKER_FAILURES consecutive API failures. The digest says which source it used;
the run's NarrativeStats count each fallback by reason. The answer's text is cleaned of control
and bidi characters (people_text.clean) before any check, so what is checked is what is shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import duckdb
import jsonschema

from ..people_text import clean
from . import defaults
from .figures import unsupported_figures
from .rep_digest import RepDigest

log = logging.getLogger(__name__)

TOOL_NAME = "record_digest_narrative"
_BULLET = {"type": "string", "minLength": 8, "maxLength": 320}
NARRATIVE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["strengths", "improvement", "this_week"],
    "properties": {
        "strengths": {"type": "array", "minItems": 0, "maxItems": 3, "items": _BULLET,
                      "description": "What the seller does well, citing their numbers."},
        "improvement": {"type": "array", "minItems": 1, "maxItems": 3, "items": _BULLET,
                        "description": "The most important gaps, value vs target."},
        "this_week": {"type": "array", "minItems": 1, "maxItems": 3, "items": _BULLET,
                      "description": "One to three concrete actions for this week."},
    },
}

SYSTEM_PROMPT = """You write three short sections of a seller's monthly coaching digest.
Use only the metrics in the JSON you are given: never invent numbers, deals, people or events.
Write in the second person ("you"), plainly, encouraging but direct. Name no person and no company.
Each bullet is one or two sentences (at most 300 characters) and cites the relevant numbers.
- strengths: what the seller does well: skills scored 80 or more, metrics at or above the Top 25%; never a skill with a gap or at the Critical level, and nothing when nothing qualifies.
- data_not_available lists data the organisation does not have: never present those figures as zero or as a result.
- improvement: the most important gaps, first those of the focus areas agreed with the manager, as value vs target.
- this_week: one to three concrete actions for this week, from the focus areas and the next best actions.
Return the sections with the record_digest_narrative tool."""

TOOL = {
    "name": TOOL_NAME,
    "description": "Record the strengths, improvement and this-week sections of the digest.",
    "input_schema": NARRATIVE_SCHEMA,
}

CACHE_DDL = """create table if not exists coaching.llm_cache (
    cache_key varchar primary key,   -- sha256 of prompt version, model, system prompt, schema and facts
    model varchar,
    prompt_version varchar,
    response varchar,                -- the validated answer (JSON)
    input_tokens integer,
    output_tokens integer,
    created_at timestamp             -- UTC, when the answer was first obtained
)"""


@dataclass(frozen=True)
class Narrative:
    strengths: list[str]
    improvement: list[str]
    this_week: list[str]
    source: str              # 'ai' | 'template'
    model: str | None = None

    @property
    def source_text(self) -> str:
        if self.source == "ai":
            return f"Written by Claude ({self.model}) from your metrics only."
        return "Written from your metrics by the standard template."


@dataclass(frozen=True)
class NarrativeConfig:
    api_key: str | None
    base_url: str | None = None
    model: str = defaults.DEFAULT_MODEL
    timeout_s: float = defaults.DEFAULT_TIMEOUT_S
    max_retries: int = defaults.DEFAULT_MAX_RETRIES

    @classmethod
    def from_env(cls) -> NarrativeConfig:
        env = os.environ
        return cls(
            api_key=env.get("ANTHROPIC_API_KEY") or None,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
            model=env.get("COACHING_LLM_MODEL") or defaults.DEFAULT_MODEL,
            timeout_s=float(env.get("COACHING_LLM_TIMEOUT") or defaults.DEFAULT_TIMEOUT_S),
            max_retries=int(env.get("COACHING_LLM_MAX_RETRIES") or defaults.DEFAULT_MAX_RETRIES),
        )


@dataclass
class NarrativeStats:
    """Per run: what the narrative cost and where each one came from."""

    enabled: bool = False
    model: str | None = None
    api_requests: int = 0
    cache_hits: int = 0
    ai: int = 0
    template: int = 0
    fallback_reasons: dict[str, int] = field(default_factory=dict)
    input_tokens: int = 0
    output_tokens: int = 0

    def fallback(self, reason: str) -> None:
        self.template += 1
        self.fallback_reasons[reason] = self.fallback_reasons.get(reason, 0) + 1

    def as_dict(self) -> dict:
        return {
            "enabled": self.enabled, "model": self.model, "api_requests": self.api_requests,
            "cache_hits": self.cache_hits, "ai": self.ai, "template": self.template,
            "fallback_reasons": dict(sorted(self.fallback_reasons.items())),
            "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
        }


class InvalidAnswer(ValueError):
    pass


class FiguresMismatch(InvalidAnswer):
    """The answer states a number that no figure of the facts supports."""


_SECTIONS = ("strengths", "improvement", "this_week")


def cleaned(answer: Any) -> Any:
    """The answer with every string of its sections cleaned (people_text.clean); anything
    off the schema is left for validate() to refuse."""
    if not isinstance(answer, dict):
        return answer
    return {k: [clean(s) if isinstance(s, str) else s for s in v] if k in _SECTIONS and isinstance(v, list) else v
            for k, v in answer.items()}


def check_figures(answer: dict, payload: dict) -> dict:
    """The answer if every number it states is supported by the facts it was written from
    (or the system prompt's own: "Top 25%", "80 or more"); else FiguresMismatch naming the
    first unsupported ones. See figures.py for what a number is and what supports it."""
    wrong = unsupported_figures((s for key in _SECTIONS for s in answer[key]), payload, also=SYSTEM_PROMPT)
    if wrong:
        raise FiguresMismatch("figures not in the metrics: " + ", ".join(wrong[:5]))
    return answer


def validate(answer: Any, forbidden_names: list[str]) -> dict:
    """The answer if it matches NARRATIVE_SCHEMA and names none of `forbidden_names`."""
    try:
        jsonschema.validate(answer, NARRATIVE_SCHEMA)
    except jsonschema.ValidationError as e:
        raise InvalidAnswer(f"schema: {e.message}") from None
    text = " ".join(s for key in _SECTIONS for s in answer[key]).lower()
    named = [n for n in forbidden_names if n and n.lower() in text]
    if named:
        raise InvalidAnswer("names another seller")
    return answer


# --------------------------------------------------------------------------------------
# the rep's facts (the only prompt input) and the template


def facts(d: RepDigest) -> dict:
    """The rep's structured metrics: numbers, levels, targets and approved actions only."""
    skills = [
        {"skill": r["label"], "score": r["score_text"], "level": r["level"],
         "trend_vs_previous_week": r["trend"], "change_since_last_month": r["change_text"],
         **({"weakest_part": {"name": r["weakest"]["label"], "value": r["weakest"]["value"],
                              "target": r["weakest"]["target"]}} if r["weakest"] else {})}
        for r in d.skills["rows"]
    ]
    return {
        "month": d.month.label,
        "role": d.rep["role"],
        "quarter": {"name": d.quarter["name"], "share_elapsed": d.quarter["pace"]} if d.quarter else None,
        "performance_vs_benchmarks": [
            {"metric": r["label"], "you": r["you"], "team_average": r["team"], "top_25_percent_average": r["top"],
             "trend": r["trend"].text} for r in d.performance
        ],
        "skills": skills,
        "strengths": [r["label"] for r in d.strengths],
        "data_not_available": d.missing_data,
        "focus_areas_agreed_with_manager": [{"skill": f["label"], "action": f["action"]} for f in d.focus_areas],
        "calls_this_month": {
            "external_calls": d.calls["count"],
            **{m["label"].lower().replace(" ", "_"): {"value": m["value"], "target": m["target"]}
               for m in d.calls["metrics"]},
        },
        "activity_this_month": {
            "business_days": d.activity["business_days"], "low_days": d.activity["low_days"],
            "low_day_threshold": d.activity["threshold"], "average_per_business_day": d.activity["average"],
            "top_25_percent_daily_average": d.activity["top_daily_text"],
        },
        "next_best_actions": [
            {"action": a["action_type_label"], "reason": a["action_reason"], "deal_amount": a["amount_text"],
             "close_date": a["close_text"], "deal_health": a["health_text"]} for a in d.next_actions
        ],
    }


def template_narrative(d: RepDigest) -> Narrative:
    """Deterministic sections from the same facts."""
    rows = [r for r in d.skills["rows"] if r["skill"] != "overall" and r["score"] is not None]
    # never 'Your strongest skill is X at 12 (Critical)': only a skill without a gap, above Critical
    candidates = [r for r in rows if r["may_be_strength"]]
    strengths = [
        f"{r['label']} is a strength at {r['score_text']} ({r['level']})"
        + (f", {r['change_text']} points since last month." if r["change"] is not None else ".")
        for r in sorted(d.strengths, key=lambda r: -r["score"])[:3]
    ]
    ahead = [p for p in d.performance if p["top"] != "n/a" and p["trend"].tone == "good" and p["key"] != "attainment"]
    if not strengths and candidates:
        best = max(candidates, key=lambda r: r["score"])
        strengths.append(f"Your strongest skill this month is {best['label']} at {best['score_text']} ({best['level']}).")
    if len(strengths) < 3 and ahead:
        p = ahead[0]
        strengths.append(f"{p['label']} is {p['you']}, {p['trend'].text} last quarter.")
    improvement = [
        (f["pattern"] if f["pattern"].startswith(f["label"]) else f"{f['label']}: {f['pattern']}") + "."
        if f.get("pattern") else f"{f['label']} is a focus area."
        for f in d.focus_areas
    ]
    if not improvement and rows:
        low = min(rows, key=lambda r: r["score"])
        text = f"{low['label']} is your lowest skill at {low['score_text']} ({low['level']})"
        if low["weakest"]:
            text += (f"; its weakest part is {low['weakest']['label']} at {low['weakest']['value']} "
                     f"vs a target of {low['weakest']['target']}")
        improvement.append(text + ".")
    off = [m for m in d.calls["metrics"] if m["tone"] == "bad"]
    if off and len(improvement) < 3:
        improvement.append(f"On calls, your {off[0]['label'].lower()} averaged {off[0]['value']} "
                           f"vs a target of {off[0]['target']}.")
    if not improvement:
        improvement.append("Not enough recorded calls and deals this month to point to a gap.")
    this_week = [f"{a['action_reason']}: the {'' if a['amount'] is None else a['amount_text'] + ' '}deal closing "
                 f"{a['close_text']} ({a['action_type_label'].lower()})." for a in d.next_actions[:2]]
    if d.focus_areas:
        this_week.append(f"Work on your {d.focus_areas[0]['label'].lower()} focus area as agreed with your manager "
                         "(see Focus areas).")
    if not this_week:
        this_week.append("Keep your pipeline current: update the next step and close date of every open deal.")
    return Narrative(strengths=strengths, improvement=improvement[:3], this_week=this_week[:3], source="template")


# --------------------------------------------------------------------------------------
# the narrator


def _cache_key(config: NarrativeConfig, payload: dict) -> str:
    text = json.dumps({"version": defaults.PROMPT_VERSION, "model": config.model, "system": SYSTEM_PROMPT,
                       "tool": TOOL, "facts": payload}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Narrator:
    """Writes the narrative of each rep digest of a run, with the cache in the warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: NarrativeConfig | None = None):
        self.con = con
        self.config = config or NarrativeConfig.from_env()
        self.stats = NarrativeStats(enabled=bool(self.config.api_key), model=self.config.model)
        self._failures = 0
        self._client = None
        if self.config.api_key:
            import anthropic

            self._client = anthropic.Anthropic(
                api_key=self.config.api_key, base_url=self.config.base_url,
                timeout=self.config.timeout_s, max_retries=self.config.max_retries,
            )
            con.execute("create schema if not exists coaching")
            con.execute(CACHE_DDL)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def narrative(self, digest: RepDigest) -> Narrative:
        fallback = template_narrative(digest)
        if self._client is None:
            self.stats.fallback("no_api_key")
            return fallback
        payload = facts(digest)
        key = _cache_key(self.config, payload)
        cached = self._cached(key, digest.other_names, payload)
        if cached is not None:
            self.stats.cache_hits += 1
            self.stats.ai += 1
            return self._to_narrative(cached)
        if self._failures >= defaults.CIRCUIT_BREAKER_FAILURES:
            self.stats.fallback("api_unavailable")
            return fallback
        try:
            answer, usage = self._ask(payload)
        except InvalidAnswer as e:
            self._failures = 0  # the API answered
            log.warning("AI narrative rejected (%s); template used", e)
            self.stats.fallback("invalid_answer")
            return fallback
        except Exception as e:  # any API or network error: the template, never a failed digest
            self._failures += 1
            log.warning("AI narrative failed (%s: %s); template used", type(e).__name__, e)
            self.stats.fallback("api_error")
            return fallback
        self._failures = 0
        answer = cleaned(answer)
        try:
            validate(answer, digest.other_names)
            check_figures(answer, payload)
        except FiguresMismatch as e:
            log.warning("AI narrative rejected (%s); template used", e)
            self.stats.fallback("figures_mismatch")
            return fallback
        except InvalidAnswer as e:
            log.warning("AI narrative rejected (%s); template used", e)
            self.stats.fallback("invalid_answer")
            return fallback
        self._store(key, answer, usage)
        self.stats.ai += 1
        return self._to_narrative(answer)

    def _to_narrative(self, answer: dict) -> Narrative:
        return Narrative(strengths=list(answer["strengths"]), improvement=list(answer["improvement"]),
                         this_week=list(answer["this_week"]), source="ai", model=self.config.model)

    def _ask(self, payload: dict) -> tuple[dict, tuple[int, int]]:
        self.stats.api_requests += 1
        response = self._client.messages.create(
            model=self.config.model,
            max_tokens=defaults.MAX_OUTPUT_TOKENS,
            system=SYSTEM_PROMPT,
            tools=[TOOL],
            tool_choice={"type": "tool", "name": TOOL_NAME},
            messages=[{"role": "user", "content": (
                "The seller's metrics for the month, as JSON:\n"
                + json.dumps(payload, indent=1, ensure_ascii=False, default=str)
            )}],
        )
        usage = getattr(response, "usage", None)
        tokens = (int(getattr(usage, "input_tokens", 0) or 0), int(getattr(usage, "output_tokens", 0) or 0))
        self.stats.input_tokens += tokens[0]
        self.stats.output_tokens += tokens[1]
        if getattr(response, "stop_reason", None) == "max_tokens":
            raise InvalidAnswer("answer cut at max_tokens")
        for block in response.content or []:
            if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == TOOL_NAME:
                return block.input, tokens
        raise InvalidAnswer("no tool_use block in the answer")

    def _cached(self, key: str, forbidden: list[str], payload: dict) -> dict | None:
        row = self.con.execute("select response from coaching.llm_cache where cache_key = ?", [key]).fetchone()
        if row is None:
            return None
        try:
            # checked again: an answer cached before a check existed must pass it too
            return check_figures(validate(cleaned(json.loads(row[0])), forbidden), payload)
        except (ValueError, InvalidAnswer):
            return None

    def _store(self, key: str, answer: dict, usage: tuple[int, int]) -> None:
        self.con.execute(
            "insert into coaching.llm_cache (cache_key, model, prompt_version, response, input_tokens, output_tokens, "
            "created_at) values (?, ?, ?, ?, ?, ?, ?) on conflict (cache_key) do update set response = excluded.response",
            [key, self.config.model, defaults.PROMPT_VERSION, json.dumps(answer, sort_keys=True), usage[0], usage[1],
             dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )
