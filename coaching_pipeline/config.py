"""Configuration: the product's YAML settings (read once, validated) and the run paths
(landing zone, warehouse, output, as_of) resolved from flags, environment and defaults."""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import os
import re
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .role_settings import RoleSettings as RoleSettings  # the `roles:` section (settings().roles)

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DEFAULT_SETTINGS_FILE = PACKAGE_DIR / "settings.yaml"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

ROLES = ("AE", "AM", "CSM", "SDR", "MANAGER")
SELLER_ROLES = ("AE", "AM", "CSM", "SDR")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RolePattern(_Strict):
    pattern: str
    role: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value.upper() not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, got {value!r}")
        return value.upper()


class CrmSettings(_Strict):
    role_field: str
    region_field: str
    # Custom fields of the roles contract; their raw columns always exist (null when absent).
    segment_field: str = "Segment__c"  # Account
    csm_field: str = "CSM__c"  # Account: User Id of the CSM
    sdr_field: str = "SDR__c"  # Opportunity: User Id of the sourcing SDR
    role_patterns: list[RolePattern]
    meddpicc_fields: dict[str, str]
    champion_roles: list[str]
    economic_buyer_roles: list[str]
    default_quota_period_months: int = Field(ge=1, le=12)

    @field_validator("meddpicc_fields")
    @classmethod
    def _eight_elements(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) != 8:
            raise ValueError(f"MEDDPICC has 8 elements, the map names {len(value)}")
        return value


class GongSettings(_Strict):
    trackers: dict[str, str]

    @field_validator("trackers")
    @classmethod
    def _known_concepts(cls, value: dict[str, str]) -> dict[str, str]:
        missing = {"next_steps", "pricing", "competitor", "objection"} - set(value)
        if missing:
            raise ValueError(f"tracker names needed for: {sorted(missing)}")
        return value


class FiscalSettings(_Strict):
    year_start_month: int = Field(ge=1, le=12)


class OrgDefaults(_Strict):
    """What the product assumes when the org's extracts do not say (landing-zone contract,
    "Money, currencies, local time, fiscal year")."""

    corporate_currency: str = Field(pattern=r"^[A-Z]{3}$")
    time_zone: str

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone name (e.g. America/New_York)") from exc
        return value


class PartitionSettings(_Strict):
    # Dagster fixes the partitions when the code location loads, before any data is read.
    start_date: dt.date

    @field_validator("start_date")
    @classmethod
    def _not_ahead(cls, value: dt.date) -> dt.date:
        # A start after today leaves the schedules no partition to run.
        if value > utc_today():
            raise ValueError(f"{value} is after today ({utc_today()}, UTC): the partitions would be empty")
        return value


_DUCKDB_SIZE = r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$"


class WarehouseSettings(_Strict):
    memory_limit: str = Field(pattern=_DUCKDB_SIZE)
    checkpoint_threshold: str = Field(pattern=_DUCKDB_SIZE)


class IngestBounds(_Strict):
    earliest_date: dt.date
    max_years_ahead: int = Field(ge=0, le=100)
    max_amount: float = Field(gt=0, allow_inf_nan=False)


class IngestSettings(_Strict):
    encodings: dict[str, str]
    id_patterns: dict[str, str]
    bounds: IngestBounds

    @field_validator("encodings")
    @classmethod
    def _known_codecs(cls, value: dict[str, str]) -> dict[str, str]:
        for folder, name in value.items():
            try:
                codecs.lookup(name)
            except LookupError:
                raise ValueError(f"encodings.{folder}: {name!r} is not a known text encoding") from None
        return value

    @field_validator("id_patterns")
    @classmethod
    def _id_patterns(cls, value: dict[str, str]) -> dict[str, str]:
        missing = {"salesforce", "gong", "activity"} - set(value)
        if missing:
            raise ValueError(f"id_patterns needs {sorted(missing)}")
        for name, pattern in value.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"id_patterns.{name}: {exc}") from None
        return value

    def encoding(self, folder: str) -> str:
        return self.encodings.get(folder, "utf-8")


class MartSettings(_Strict):
    top_group_share: float = Field(gt=0, le=1)
    coaching_gap_threshold: float = Field(ge=0)
    low_activity_day_threshold: int = Field(ge=0)
    activity_window_days: int = Field(ge=1)


class DealHealthPoints(_Strict):
    qualification: float
    recency: float
    multithreading: float
    champion: float
    economic_buyer: float
    velocity: float
    hygiene: float = Field(le=0)


class DealHealthSettings(_Strict):
    points: DealHealthPoints
    recency_full_days: int = Field(ge=0)
    recency_zero_days: int = Field(ge=1)
    healthy_stakeholders: int = Field(ge=1)
    velocity_full_ratio: float = Field(gt=0)
    velocity_zero_ratio: float = Field(gt=0)
    velocity_lookback_days: int = Field(ge=1)
    red_below: float
    yellow_below: float
    email_recency_days: int = Field(ge=0)


class NextBestActionSettings(_Strict):
    urgent_within_days: int = Field(ge=0)
    urgency_multiplier: float = Field(ge=1)
    default_best_time: str
    hygiene_after_days: int = Field(ge=0)


class TargetBand(_Strict):
    """A value inside [low, high] scores 100; outside it falls linearly to 0 at
    zero_below / zero_above (None: that side never falls)."""

    low: float
    high: float
    zero_below: float | None = None
    zero_above: float | None = None


class Level(_Strict):
    name: str
    min: float


class SeveritySettings(_Strict):
    high_below: float
    medium_below: float


SKILLS = ("discovery", "qualification", "presentation", "objection_handling", "negotiation", "closing")


class CoachingSettings(_Strict):
    conversation_window_days: int = Field(ge=1)
    deal_window_days: int = Field(ge=1)
    min_calls: int = Field(ge=1)
    min_closed_deals: int = Field(ge=1)
    min_open_deals: int = Field(ge=1)
    skill_weights: dict[str, float]
    # role -> component -> weight inside its skill's mean (roles contract, "skill gaps" row);
    # a component not named weighs 1
    role_component_weights: dict[str, dict[str, float]] = Field(default_factory=dict)
    targets: dict[str, TargetBand]
    early_disqualification_days: int = Field(ge=0)
    late_stage_probability: float = Field(ge=0, le=100)
    scorecard_tags: dict[str, list[str]]
    levels: list[Level]
    gap_below: float
    severity: SeveritySettings
    trend_points: float = Field(gt=0)
    persistence_weeks: int = Field(ge=1)
    improvement_reset: float = Field(gt=0)
    attainment_below: float = Field(gt=0)
    attainment_days_left: int = Field(ge=0)
    bottom_quartile_days: int = Field(ge=1)
    cohort_gap_percentile: float = Field(gt=0, le=100)
    process_gap_share: float = Field(ge=0, lt=1)
    process_gap_min_cohort: int = Field(ge=2)
    max_open_focus_areas: int = Field(ge=1)
    flag_confidence: float = Field(default=0.9, gt=0, lt=1)
    backfill_weeks: int = Field(ge=0)
    large_deal_amount: Decimal = Field(ge=0)  # money: compared exactly with the corporate amount

    @field_validator("skill_weights")
    @classmethod
    def _six_skills(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(SKILLS):
            raise ValueError(f"skill_weights must name exactly {SKILLS}")
        return value

    @field_validator("role_component_weights")
    @classmethod
    def _known_roles_and_components(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        from .coaching.components import BY_NAME  # the catalogue imports this module

        for role, weights in value.items():
            if role not in SELLER_ROLES:
                raise ValueError(f"role_component_weights: {role!r} is not a seller role {SELLER_ROLES}")
            for component, weight in weights.items():
                if component not in BY_NAME:
                    raise ValueError(f"role_component_weights.{role}: no component {component!r} "
                                     f"(one of {sorted(BY_NAME)})")
                if weight < 0:
                    raise ValueError(f"role_component_weights.{role}.{component}: a weight is >= 0")
        return value


class DeliverySettings(_Strict):
    smtp_timeout_seconds: float = Field(gt=0)
    subjects: dict[str, str]

    @field_validator("subjects")
    @classmethod
    def _every_document(cls, value: dict[str, str]) -> dict[str, str]:
        kinds = {"rep_digest", "manager_digest", "slm_notice"}
        if set(value) != kinds:
            raise ValueError(f"subjects must name exactly {sorted(kinds)}")
        for kind, subject in value.items():
            try:
                subject.format(month="October 2026")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"subjects.{kind}: only {{month}} may be used ({exc})") from None
        return value


class AlertSettings(_Strict):
    ops_recipients: list[str]
    dagster_url: str
    webhook_timeout_seconds: float = Field(gt=0)


class WorkbenchSettings(_Strict):
    """The web app (workbench contract). COACHING_TRUSTED_PROXIES and COACHING_APP_URL win
    over trusted_proxies and app_url; admins are emails or user ids (read-only, see all)."""

    admins: list[str] = []
    proxy_header: str = Field(default="X-Forwarded-Email", pattern=r"^[A-Za-z0-9-]+$")
    trusted_proxies: list[str] = ["127.0.0.1"]
    app_url: str | None = Field(default=None, pattern=r"^https?://\S+$")

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:  # an address or a network (10.0.0.0/8): a typo must not silently trust nobody
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {item!r} is not an IP address or network") from None
        return value


class Settings(_Strict):
    crm: CrmSettings
    gong: GongSettings
    fiscal: FiscalSettings
    org_defaults: OrgDefaults
    partitions: PartitionSettings
    warehouse: WarehouseSettings
    ingest: IngestSettings
    marts: MartSettings
    deal_health: DealHealthSettings
    next_best_actions: NextBestActionSettings
    coaching: CoachingSettings
    delivery: DeliverySettings
    alerts: AlertSettings
    workbench: WorkbenchSettings = WorkbenchSettings()
    roles: RoleSettings = RoleSettings()


def _deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(override_file: str | os.PathLike | None = None) -> Settings:
    data = yaml.safe_load(DEFAULT_SETTINGS_FILE.read_text())
    if override_file:
        data = _deep_merge(data, yaml.safe_load(Path(override_file).read_text()) or {})
    return Settings.model_validate(data)


@functools.cache
def settings() -> Settings:
    """The settings of this process: defaults, overridden by $COACHING_CONFIG if set."""
    return load_settings(os.environ.get("COACHING_CONFIG"))


def utc_today() -> dt.date:
    """Today's date in UTC: the product's bound on as_of and on event dates it uses."""
    return dt.datetime.now(dt.UTC).date()


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class FutureAsOf(ValueError):
    """An as_of after today: nothing can be computed as of a day that has not happened."""


def check_as_of(as_of: dt.date | None, today: dt.date | None = None) -> dt.date | None:
    today = today or utc_today()
    if as_of is not None and as_of > today:
        raise FutureAsOf(
            f"as_of {as_of} is after today ({today}, UTC): data can only be computed as of a day that "
            "has passed. Leave it out to use the latest event date loaded."
        )
    return as_of
