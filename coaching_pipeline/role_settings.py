"""The `roles:` section of the settings (roles contract): how role_metrics measures each
seller role. Validated here; read as `settings().roles`, and passed to dbt as the var `roles`
(its model_dump()). Every field has the contract's default, so a settings file without the
section gets them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The four health tiers, best first, with the rank stg_cs__health_snapshots gives them.
HEALTH_TIERS = {"healthy": 4, "neutral": 3, "at_risk": 2, "critical": 1}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class OpportunityTypes(_Strict):
    """Opportunity.Type values per kind, matched case-insensitively after trimming; anything
    else (or no Type) is new business."""

    new: list[str] = ["New Business"]
    renewal: list[str] = ["Renewal", "Existing Business - Renewal"]
    expansion: list[str] = ["Upsell", "Cross-Sell", "Existing Business", "Expansion"]

    @model_validator(mode="after")
    def _one_kind_per_value(self) -> OpportunityTypes:
        seen: dict[str, str] = {}
        for kind in ("new", "renewal", "expansion"):
            for value in getattr(self, kind):
                key = value.strip().lower()
                if not key:
                    raise ValueError(f"opportunity_types.{kind}: an empty type name")
                if key in seen and seen[key] != kind:
                    raise ValueError(f"opportunity_types: {value!r} is both {seen[key]} and {kind}")
                seen[key] = kind
        return self


class EmployeeBand(_Strict):
    below: int = Field(ge=1)
    segment: str = Field(min_length=1)


class HealthTierThresholds(_Strict):
    """Lowest score of each tier (score >= threshold); below at_risk: critical."""

    healthy: float = Field(default=75, ge=0, le=100)
    neutral: float = Field(default=50, ge=0, le=100)
    at_risk: float = Field(default=25, ge=0, le=100)

    @model_validator(mode="after")
    def _descending(self) -> HealthTierThresholds:
        if not self.healthy > self.neutral > self.at_risk:
            raise ValueError("health_tiers must fall: healthy > neutral > at_risk")
        return self


class ForecastBand(_Strict):
    low: float = Field(default=0.85, gt=0)
    high: float = Field(default=1.15, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> ForecastBand:
        if self.low >= self.high:
            raise ValueError("forecast_band: low must be below high")
        return self


_DEFAULT_BANDS = [EmployeeBand(below=200, segment="SMB"), EmployeeBand(below=2000, segment="Mid-Market")]


class RoleSettings(_Strict):
    opportunity_types: OpportunityTypes = OpportunityTypes()
    employee_segments: list[EmployeeBand] = _DEFAULT_BANDS
    largest_segment: str = Field(default="Enterprise", min_length=1)
    health_tiers: HealthTierThresholds = HealthTierThresholds()
    window_months: int = Field(default=3, ge=1, le=24)
    min_sample: int = Field(default=10, ge=1)
    min_sample_by_metric: dict[str, int] = {}
    qualified_probability: float = Field(default=20, gt=0, le=100)
    renewal_late_days: int = Field(default=90, ge=0)
    forecast_snapshot_days: int = Field(default=14, ge=0, le=60)
    forecast_band: ForecastBand = ForecastBand()
    sdr_touch_target_per_day: float = Field(default=60, gt=0)
    stage_conversion_gap_points: float = Field(default=15, gt=0, le=100)
    rate_gap_points: float = Field(default=15, gt=0, le=100)
    rate_gap_ratio: float = Field(default=0.5, gt=0, lt=1)
    health_trend_drop_per_month: float = Field(default=5, gt=0)
    volume_below: float = Field(default=0.8, gt=0, le=1)
    book_tier_drop_share: float = Field(default=0.5, ge=0, lt=1)
    nrr_months: int = Field(default=12, ge=1, le=36)
    health_trend_months: int = Field(default=3, ge=2, le=24)  # a slope needs two months

    @field_validator("employee_segments")
    @classmethod
    def _ascending(cls, value: list[EmployeeBand]) -> list[EmployeeBand]:
        bounds = [band.below for band in value]
        if bounds != sorted(set(bounds)):
            raise ValueError(f"employee_segments: `below` must rise from band to band, got {bounds}")
        return value

    @field_validator("min_sample_by_metric")
    @classmethod
    def _positive_samples(cls, value: dict[str, int]) -> dict[str, int]:
        bad = {metric: n for metric, n in value.items() if n < 1}
        if bad:
            raise ValueError(f"min_sample_by_metric: samples must be >= 1, got {bad}")
        return value

    def min_sample_for(self, metric: str) -> int:
        return self.min_sample_by_metric.get(metric, self.min_sample)
