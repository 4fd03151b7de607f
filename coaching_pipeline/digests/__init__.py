"""Monthly digests (coaching contract, "Monthly digests"): the rep digest, the manager digest
and the SLM notice of a month, as self-contained HTML, Markdown and an email variant (.eml)
with a manifest, and their delivery ("Delivery").

- content: what each document says, read from the warehouse (the guardrails live here);
- decisions: the manager's decision on each escalation, for the SLM notice;
- charts: matplotlib charts as SVG and PNG, deterministic;
- narrative: the AI narrative (Anthropic SDK, validated structured output, cache, fallback);
- render: Jinja2 templates (coaching_pipeline/templates), CSS inlining, files and manifest;
- email: the .eml of a document (PNG charts attached inline by cid:);
- delivery: `coaching send`, mailing a month's .eml files once per recipient (sent log).
"""

from .content import Month, MonthContent, gather
from .narrative import NarrativeConfig, NarrativeStats
from .render import MANIFEST, SIDECAR, RenderResult, render_month

__all__ = [
    "MANIFEST",
    "SIDECAR",
    "Month",
    "MonthContent",
    "NarrativeConfig",
    "NarrativeStats",
    "RenderResult",
    "gather",
    "render_month",
]
