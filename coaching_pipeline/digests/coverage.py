"""Not delivered is not zero (issue 19): which optional sources the org never delivered
(intermediate.int_source_coverage) and what the digests print instead of a figure that
needs one. A figure whose source is absent is null in the marts and in the assessment; the
digests then say which data is missing ("no contact roles in the CRM data") instead of a
bare "n/a", and never 0, 0% or a perfect score. A null figure whose source IS there (a
seller with no closed deal this quarter) keeps the plain "n/a".
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import duckdb

from ..coaching.components import COMPONENTS
from ..db import table_exists

# What each need says when its source is absent.
MISSING_TEXT = {
    "stakeholders": "no contact roles in the CRM data",
    "buying_roles": "no MEDDPICC fields or contact roles in the CRM data",
    "meddpicc": "no MEDDPICC fields in the CRM data",
    "close_date_history": "no close-date history (OpportunityFieldHistory) in the CRM data",
    "gong": "no Gong calls in the data",
    "activities": "no activity data (no CRM tasks or events, no activity log)",
}

# rep_performance columns the digests print -> the need they depend on.
METRIC_NEEDS = {
    "avg_stakeholders": "stakeholders",
    "champion_identification_rate": "buying_roles",
    "economic_buyer_rate": "buying_roles",
    "avg_daily_activities_30d": "activities",
}

# Skill components -> the need they depend on (the others need only deals, always there).
COMPONENT_NEEDS = {
    **{c.name: "gong" for c in COMPONENTS if c.source in ("gong_calls", "scorecards")},
    "meddpicc_completeness": "meddpicc",
    "champion_and_eb_rate": "buying_roles",
    "close_date_kept_rate": "close_date_history",
}


@dataclass(frozen=True)
class Coverage:
    """The flags of int_source_coverage; every source present unless the warehouse says
    otherwise (an older warehouse without the model)."""

    has_contact_roles: bool = True
    has_meddpicc_fields: bool = True
    has_close_date_history: bool = True
    has_gong_calls: bool = True
    has_activity_log: bool = True
    has_crm_activities: bool = True
    has_stakeholder_source: bool = True
    has_buying_role_source: bool = True

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Coverage:
        if not table_exists(con, "intermediate", "int_source_coverage"):
            return cls()
        cur = con.execute("select * from intermediate.int_source_coverage")
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        if row is None:
            return cls()
        found = dict(zip(names, row, strict=True))
        return cls(**{f.name: bool(found[f.name]) for f in fields(cls) if found.get(f.name) is not None})

    def present(self, need: str) -> bool:
        return {
            "stakeholders": self.has_stakeholder_source,
            "buying_roles": self.has_buying_role_source,
            "meddpicc": self.has_meddpicc_fields,
            "close_date_history": self.has_close_date_history,
            "gong": self.has_gong_calls,
            "activities": self.has_crm_activities or self.has_activity_log,
        }[need]

    def missing(self, need: str | None) -> str | None:
        """What to print for a figure of that need when its source is absent; None when the
        source is there (or the figure needs none)."""
        if need is None or self.present(need):
            return None
        return MISSING_TEXT[need]

    def metric_missing(self, column: str) -> str | None:
        return self.missing(METRIC_NEEDS.get(column))

    def component_missing(self, component: str) -> str | None:
        return self.missing(COMPONENT_NEEDS.get(component))

    def missing_texts(self) -> list[str]:
        """Every absent source, as the digests say it, in a fixed order."""
        return [MISSING_TEXT[n] for n in MISSING_TEXT if not self.present(n)]
