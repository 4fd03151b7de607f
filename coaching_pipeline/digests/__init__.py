"""Monthly digests (coaching contract, "Monthly digests"): the rep digest, the manager digest
and the SLM notice of a month, as self-contained HTML, Markdown and an email variant (.eml)
with a manifest, and their delivery ("Delivery").

- month_data: the month's warehouse reads (one reader per query) and `MonthData`, the
  month's rows shared by every document; `has_marts`;
- formatting: the month (`Month`) and every number, amount, date and trend as printed;
- rep_digest: what the rep digest says (the guardrails live here), one seller at a time;
- documents: the manager digest, the SLM notice and `gather`, every document of a month;
- role_catalog, role_lines, role_sections: the role sections (roles contract) from
  marts.role_metrics: "Your <role> metrics" of the rep digest (the seller's own row and
  role only) and the manager digest's roll-up per role; the workbench prints the same;
- escalations, decisions, hygiene: the escalations, the manager's decision on each (for the
  SLM notice) and the stale deals, as the documents print them;
- charts: matplotlib charts as SVG and PNG, deterministic;
- narrative: the AI narrative (Anthropic SDK, validated structured output, cache, fallback);
- render: Jinja2 templates (coaching_pipeline/templates), CSS inlining, files and manifest;
- email: the .eml of a document (PNG charts attached inline by cid:);
- delivery: `coaching send`, mailing a month's .eml files once per recipient (sent log).
"""

from .documents import MonthContent, gather, manager_digest, slm_notice
from .formatting import Month
from .month_data import MonthData, has_marts, read_month
from .narrative import NarrativeConfig, NarrativeStats
from .render import MANIFEST, SIDECAR, RenderResult, render_month
from .rep_digest import rep_digest

__all__ = [
    "MANIFEST",
    "SIDECAR",
    "Month",
    "MonthContent",
    "MonthData",
    "NarrativeConfig",
    "NarrativeStats",
    "RenderResult",
    "gather",
    "has_marts",
    "manager_digest",
    "read_month",
    "render_month",
    "rep_digest",
    "slm_notice",
]
