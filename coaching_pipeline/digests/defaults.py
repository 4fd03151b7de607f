"""Defaults of the digests (module constants: the product settings file is owned elsewhere).

Environment variables that change them at run time are read by `narrative.NarrativeConfig
.from_env`; the rest are design choices documented next to each value.
"""

from __future__ import annotations

# --- contents -------------------------------------------------------------------------

# Focus areas of a rep digest: at most this many approved or modified recommendations.
MAX_FOCUS_AREAS = 3
# Next best actions listed in a rep digest.
MAX_NEXT_BEST_ACTIONS = 3
# A skill at or above this score is a strength (coaching contract).
STRENGTH_MIN_SCORE = 80.0
# A team or Top 25% average is shown to a rep only when at least this many OTHER sellers
# contribute a value to it: with one other seller the average (minus the rep's own value)
# would give away a peer's individual figure (guardrail: never share individual scores).
MIN_PEERS_IN_BENCHMARK = 2
# A metric moving less than this (relative) between two periods shows a flat trend arrow.
FLAT_TREND_RELATIVE = 0.03
# At-risk deals listed in a manager digest (deal_health_scores.is_at_risk: red, not hygiene,
# largest first); the rest are counted.
MAX_AT_RISK_DEALS = 15
# Hygiene deals listed in a manager digest (more than 90 days past due, largest first); the
# rest are counted. The 90 days are settings.yaml next_best_actions.hygiene_after_days.
MAX_HYGIENE_DEALS = 15
# Attainment bands of the manager's team distribution (lower bounds, as fractions).
ATTAINMENT_BANDS = ((0.0, "< 50%"), (0.5, "50-75%"), (0.75, "75-100%"), (1.0, "100%+"))

# --- AI narrative ---------------------------------------------------------------------

# Overridden by $COACHING_LLM_MODEL.
DEFAULT_MODEL = "claude-sonnet-4-5"
# Seconds per request ($COACHING_LLM_TIMEOUT) and SDK retries on 429, 5xx, timeouts and
# connection errors, with the SDK's exponential backoff ($COACHING_LLM_MAX_RETRIES).
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 3
MAX_OUTPUT_TOKENS = 1200
# After this many consecutive API failures (each one already retried by the SDK) the rest
# of the run uses the template without calling the API: an outage costs one render a few
# failed calls, not one timeout per rep.
CIRCUIT_BREAKER_FAILURES = 3
# Bumped whenever the prompt or the schema changes, so cached answers are not reused.
PROMPT_VERSION = "digest-narrative-v2"
