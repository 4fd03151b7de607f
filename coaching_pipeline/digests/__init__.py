"""Monthly digests (coaching contract, "Monthly digests"): the rep digest, the manager digest
and the SLM notice of a month, as self-contained HTML and Markdown with a manifest.

- content: what each document says, read from the warehouse (the guardrails live here);
- charts: matplotlib SVG charts, deterministic;
- narrative: the AI narrative (Anthropic SDK, validated structured output, cache, fallback);
- render: Jinja2 templates (coaching_pipeline/templates), CSS inlining, files and manifest.
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
