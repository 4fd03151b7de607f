"""The landing-zone objects: what each source object's columns are, which are required,
how each is typed, and which columns identify a record.

This module is the single description of the raw layer. The loader builds pandera
schemas and `raw.*` tables from it, the generator writes files that match it, and the
dbt sources are declared on the tables it defines.

Column names in the raw layer are the snake_case that EL tools (Fivetran, Airbyte) land:
`StageName` -> `stage_name`, `Economic_Buyer__c` -> `economic_buyer_c`. A file may use
either naming; `to_snake` maps API names onto the canonical one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Column kinds. Every raw value arrives as text; the kind says how it is parsed.
ID = "id"  # text, never a number (Salesforce 15/18-char ids, 19-20 digit Gong ids)
TEXT = "text"
BOOL = "bool"  # true/false, TRUE/FALSE, 1/0
TIMESTAMP = "timestamp"  # ISO 8601, normalised to UTC (stored without a zone)
DATE = "date"
NUMBER = "number"  # DOUBLE (durations, probabilities, counts: never money)
MONEY = "money"  # DECIMAL(18,2): amounts, quotas, prices; exact, never a binary float
RATE = "rate"  # DECIMAL(18,6): currency conversion rates (Salesforce stores 6 places)
INTEGER = "integer"  # BIGINT
JSON = "json"  # nested Gong payload, kept as DuckDB JSON

DUCKDB_TYPES = {
    ID: "VARCHAR",
    TEXT: "VARCHAR",
    BOOL: "BOOLEAN",
    TIMESTAMP: "TIMESTAMP",
    DATE: "DATE",
    NUMBER: "DOUBLE",
    MONEY: "DECIMAL(18,2)",
    RATE: "DECIMAL(18,6)",
    INTEGER: "BIGINT",
    JSON: "JSON",
}

# Load metadata carried by every raw row.
LOAD_METADATA_COLUMNS = {
    "_source_file": "VARCHAR",  # path relative to the landing root, e.g. crm/Opportunity__2024-12-01.csv
    "_source_row": "BIGINT",  # 1-based record number in that file (header excluded)
    "_loaded_at": "TIMESTAMP",  # UTC time of the load transaction
    "_row_hash": "UBIGINT",  # 64-bit hash of the delivered values (tells conflicting duplicates apart)
}


# Timestamps written by the source system about the record itself (see Column).
RECORD_TIMESTAMPS = frozenset({
    "created_date", "last_modified_date", "system_modstamp", "_fivetran_synced",  # Salesforce, Fivetran
    "created", "updated", "review_time",  # Gong users, scorecards, answered scorecards
})

# Whose ids each landing-zone folder carries (settings ingest.id_patterns).
SOURCE_ID_FORMATS = {"crm": "salesforce", "gong": "gong", "activity": "salesforce", "cs": "salesforce"}


@dataclass(frozen=True)
class Column:
    name: str  # canonical snake_case name
    kind: str
    required: bool = False
    minimum: float | None = None  # inclusive lower bound for numbers
    maximum: float | None = None  # inclusive upper bound for numbers
    # A deal or quota amount: capped by settings ingest.bounds.max_amount.
    is_amount: bool = False
    # ID columns: which settings ingest.id_patterns entry its values must match
    # (None: the source's own ids, see SourceObject.id_format).
    id_format: str | None = None
    # DATE columns whose values may be Salesforce's open-range sentinels (DatedConversionRate:
    # 0001-01-01 starts the first range, 9999-12-31 ends the last): no plausibility bounds.
    unbounded_dates: bool = False

    @property
    def is_record_timestamp(self) -> bool:
        """When the source system wrote the record (not when something happened): it cannot
        be in the future, and a future one would win every later re-delivery."""
        return self.kind == TIMESTAMP and self.name in RECORD_TIMESTAMPS


@dataclass(frozen=True)
class SourceObject:
    """One landing-zone object and the raw table it loads into."""

    name: str  # raw table name and Dagster asset name, e.g. "opportunity"
    source: str  # landing sub-folder: crm, gong, activity or cs
    file_stems: tuple[str, ...]  # file name stems that belong to this object
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # columns identifying a record (upsert key)
    # Groups of columns of which at least one must be present (and filled on a row),
    # e.g. Task needs ActivityDate or CreatedDate.
    one_of: tuple[tuple[str, ...], ...] = ()
    # Columns ordering versions of a record, most significant first; the file name
    # order breaks ties (landing-zone re-delivery rule).
    version_columns: tuple[str, ...] = ()
    description: str = ""
    payload: str | None = None  # Gong: name of the payload array in the page

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    def id_format(self, column: Column) -> str:
        return column.id_format or SOURCE_ID_FORMATS[self.source]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


_CAMEL_BOUNDARY_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_BOUNDARY_2 = re.compile(r"([a-z])([A-Z])")
_LETTER_DIGIT = re.compile(r"([A-Za-z])(\d)")
_DIGIT_LETTER = re.compile(r"(\d)([A-Za-z])")


def to_snake(name: str) -> str:
    """API name -> EL-tool snake_case: StageName -> stage_name, Economic_Buyer__c ->
    economic_buyer_c, Pricebook2Id -> pricebook_2_id, _fivetran_deleted unchanged."""
    stripped = name.strip()
    leading = "_" if stripped.startswith("_") else ""
    s = stripped.lstrip("_")
    s = _CAMEL_BOUNDARY_1.sub(r"\1_\2", s)
    s = _CAMEL_BOUNDARY_2.sub(r"\1_\2", s)
    s = _LETTER_DIGIT.sub(r"\1_\2", s)
    s = _DIGIT_LETTER.sub(r"\1_\2", s)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    s = re.sub(r"_+", "_", s)
    return leading + s


def _sf(*specs: str | tuple) -> tuple[Column, ...]:
    """Columns from compact specs: 'Name:kind', 'Name:kind!' (required) or a Column."""
    out = []
    for spec in specs:
        if isinstance(spec, Column):
            out.append(spec)
            continue
        api, kind = spec.split(":")
        required = kind.endswith("!")
        out.append(Column(to_snake(api), kind.rstrip("!"), required))
    return tuple(out)


# Standard system columns that Salesforce objects may carry; all optional.
_SF_SYSTEM = (
    "CreatedDate:timestamp",
    "LastModifiedDate:timestamp",
    "SystemModstamp:timestamp",
    "IsDeleted:bool",
    "_fivetran_deleted:bool",
    "_fivetran_synced:timestamp",
)
_SF_VERSION = ("system_modstamp", "last_modified_date")


def _salesforce(name, stems, *specs, key=("id",), one_of=(), description=""):
    cols = list(_sf(*specs))
    have = {c.name for c in cols}
    cols += [c for c in _sf(*_SF_SYSTEM) if c.name not in have]
    return SourceObject(
        name=name,
        source="crm",
        file_stems=stems,
        columns=tuple(cols),
        key=key,
        one_of=one_of,
        version_columns=_SF_VERSION,
        description=description,
    )


def salesforce_objects(role_field: str, meddpicc_fields: list[str], region_field: str = "Region__c", *,
                       segment_field: str = "Segment__c", csm_field: str = "CSM__c", sdr_field: str = "SDR__c"
                       ) -> list[SourceObject]:
    """The CRM objects. The configured role, region, segment, CSM, SDR and MEDDPICC fields are
    declared so their raw columns always exist (null when an extract does not carry them)."""
    from .objects_roles import contract, opportunity_line_item

    custom_opportunity = [f"{f}:text" for f in meddpicc_fields]
    return [
        _salesforce(
            "user", ("User",),
            "Id:id!", "Name:text!", "Email:text!", "IsActive:bool!",
            "ManagerId:id", "UserRoleId:id", "Title:text", "Department:text",
            f"{role_field}:text", f"{region_field}:text", "TimeZoneSidKey:text", "DefaultCurrencyIsoCode:text",
            description="Salesforce users (sellers, managers, everyone else).",
        ),
        _salesforce(
            "user_role", ("UserRole",),
            "Id:id!", "Name:text!", "ParentRoleId:id",
            description="Salesforce role hierarchy.",
        ),
        _salesforce(
            "account", ("Account",),
            "Id:id!", "Name:text!", "OwnerId:id", "Industry:text",
            Column("annual_revenue", MONEY, minimum=0, is_amount=True),
            Column("number_of_employees", INTEGER, minimum=0),
            "BillingCountry:text", "Type:text", f"{segment_field}:text", f"{csm_field}:id",
            description="Customer accounts.",
        ),
        _salesforce(
            "contact", ("Contact",),
            "Id:id!", "AccountId:id!", "FirstName:text", "LastName:text", "Name:text",
            "Title:text", "Email:text",
            description="People at customer accounts.",
        ),
        _salesforce(
            "opportunity", ("Opportunity",),
            # Salesforce allows a deal without an account or an amount (private deals, early
            # pipeline), and real exports hold many: both optional (landing-zone contract).
            "Id:id!", "AccountId:id", "OwnerId:id!", "Name:text!", "StageName:text!",
            Column("amount", MONEY, minimum=0, is_amount=True), "CurrencyIsoCode:text",
            "CloseDate:date!", "CreatedDate:timestamp!", "IsClosed:bool!", "IsWon:bool!",
            "ForecastCategoryName:text",
            Column("probability", NUMBER, minimum=0, maximum=100),
            "Type:text", "LeadSource:text", "NextStep:text", "LastActivityDate:date",
            "CreatedById:id", f"{sdr_field}:id",
            *custom_opportunity,
            description="Deals. Open, won and lost come from IsClosed/IsWon.",
        ),
        _salesforce(
            "opportunity_history", ("OpportunityHistory",),
            "Id:id!", "OpportunityId:id!", "StageName:text!", "CreatedDate:timestamp!",
            Column("amount", MONEY, minimum=0, is_amount=True), "CloseDate:date",
            Column("probability", NUMBER, minimum=0, maximum=100), "ForecastCategory:text",
            description="Stage history of opportunities.",
        ),
        _salesforce(
            "opportunity_contact_role", ("OpportunityContactRole",),
            "Id:id!", "OpportunityId:id!", "ContactId:id!", "Role:text!", "IsPrimary:bool",
            description="Contacts engaged on a deal and their buying role.",
        ),
        _salesforce(
            "opportunity_field_history", ("OpportunityFieldHistory",),
            "Id:id!", "OpportunityId:id!", "Field:text!", "CreatedDate:timestamp!",
            "OldValue:text", "NewValue:text",
            description="Field-level change history of opportunities (close date slippage).",
        ),
        _salesforce(
            "task", ("Task",),
            "Id:id!", "OwnerId:id!", "ActivityDate:date", "CreatedDate:timestamp",
            "TaskSubtype:text", "Type:text", "Subject:text", "WhoId:id", "WhatId:id",
            "AccountId:id", "Status:text",
            Column("call_duration_in_seconds", INTEGER, minimum=0), "CallType:text",
            one_of=(("activity_date", "created_date"),),
            description="Calls, emails and to-dos logged in the CRM.",
        ),
        _salesforce(
            "event", ("Event",),
            "Id:id!", "OwnerId:id!", "StartDateTime:timestamp!", "EndDateTime:timestamp",
            Column("duration_in_minutes", INTEGER, minimum=0), "Type:text", "Subject:text",
            "WhoId:id", "WhatId:id", "AccountId:id",
            description="Meetings and demos on the calendar.",
        ),
        _salesforce(
            "forecasting_quota", ("ForecastingQuota",),
            "Id:id", "QuotaOwnerId:id!", "StartDate:date!",
            Column("quota_amount", MONEY, required=True, minimum=0, is_amount=True),
            "PeriodId:id", "CurrencyIsoCode:text",
            # ForecastingQuota rows are identified by owner and start date: extracts often
            # omit Id, and one owner has one quota per period.
            key=("quota_owner_id", "start_date"),
            description="Sales quotas per owner and period.",
        ),
        _salesforce(
            "period", ("Period",),
            "Id:id!", "StartDate:date!", "EndDate:date!", "Type:text!",
            description="Fiscal periods (Month, Quarter, Year) that quotas refer to.",
        ),
        _salesforce(
            "organization", ("Organization",),
            "Id:id!", "DefaultCurrencyIsoCode:text", "TimeZoneSidKey:text",
            Column("fiscal_year_start_month", INTEGER, minimum=1, maximum=12),
            description="The Salesforce org itself (one row): its fiscal year start month, "
            "default currency and time zone.",
        ),
        _salesforce(
            "currency_type", ("CurrencyType",),
            "Id:id", "IsoCode:text!", Column("conversion_rate", RATE, required=True, minimum=0.000001),
            "IsCorporate:bool", "IsActive:bool", Column("decimal_places", INTEGER, minimum=0, maximum=9),
            # One row per currency of a multi-currency org; extracts often omit Id.
            key=("iso_code",),
            description="Currencies of a multi-currency org and their static conversion rates "
            "(units per one unit of the corporate currency).",
        ),
        _salesforce(
            "dated_conversion_rate", ("DatedConversionRate",),
            "Id:id", "IsoCode:text!", Column("conversion_rate", RATE, required=True, minimum=0.000001),
            Column("start_date", DATE, required=True, unbounded_dates=True),
            Column("next_start_date", DATE, unbounded_dates=True),
            key=("iso_code", "start_date"),
            description="Dated exchange rates (advanced currency management): a rate holds from "
            "StartDate to the day before NextStartDate.",
        ),
        opportunity_line_item(),
        contract(),
    ]


GONG_OBJECTS = [
    SourceObject(
        name="gong_users", source="gong", file_stems=("users",), payload="users",
        columns=(
            Column("id", ID, required=True), Column("email_address", TEXT),
            Column("first_name", TEXT), Column("last_name", TEXT), Column("manager_id", ID),
            Column("title", TEXT), Column("active", BOOL), Column("created", TIMESTAMP),
            Column("record", JSON, required=True),
        ),
        key=("id",),
        description="Gong users (GET /v2/users); managerId fills in missing Salesforce managers.",
    ),
    SourceObject(
        name="gong_calls", source="gong", file_stems=("calls",), payload="calls",
        columns=(
            Column("call_id", ID, required=True), Column("url", TEXT), Column("title", TEXT),
            Column("started", TIMESTAMP, required=True), Column("scheduled", TIMESTAMP),
            Column("duration", NUMBER, minimum=0), Column("primary_user_id", ID),
            Column("direction", TEXT), Column("scope", TEXT), Column("system", TEXT),
            Column("media", TEXT), Column("language", TEXT), Column("workspace_id", ID),
            Column("record", JSON, required=True),
        ),
        key=("call_id",),
        description="Gong calls (POST /v2/calls/extensive, context Extended); the whole "
        "call object is kept in `record` (context, parties, content, interaction).",
    ),
    SourceObject(
        name="gong_transcripts", source="gong", file_stems=("transcripts",),
        payload="callTranscripts",
        columns=(Column("call_id", ID, required=True), Column("record", JSON, required=True)),
        key=("call_id",),
        description="Gong call transcripts (POST /v2/calls/transcript).",
    ),
    SourceObject(
        name="gong_scorecards", source="gong", file_stems=("scorecards",), payload="scorecards",
        columns=(
            Column("scorecard_id", ID, required=True), Column("scorecard_name", TEXT),
            Column("enabled", BOOL), Column("updated", TIMESTAMP),
            Column("record", JSON, required=True),
        ),
        key=("scorecard_id",),
        description="Gong scorecard definitions with their questions and ranges.",
    ),
    SourceObject(
        name="gong_answered_scorecards", source="gong", file_stems=("answered_scorecards",),
        payload="answeredScorecards",
        columns=(
            Column("answered_scorecard_id", ID, required=True), Column("scorecard_id", ID),
            Column("call_id", ID), Column("call_start_time", TIMESTAMP),
            Column("reviewed_user_id", ID), Column("reviewer_user_id", ID),
            Column("review_time", TIMESTAMP), Column("record", JSON, required=True),
        ),
        key=("answered_scorecard_id",),
        description="Answered scorecards (POST /v2/stats/activity/scorecards).",
    ),
]

ACTIVITIES = SourceObject(
    name="activities", source="activity", file_stems=("activities",),
    columns=(
        Column("activity_id", ID, required=True, id_format="activity"), Column("source", TEXT, required=True),
        Column("rep_id", ID), Column("rep_email", TEXT),
        Column("activity_type", TEXT, required=True),
        Column("occurred_at", TIMESTAMP, required=True),
        Column("account_id", ID), Column("contact_id", ID), Column("opportunity_id", ID),
        Column("duration_seconds", NUMBER, minimum=0), Column("direction", TEXT),
        Column("outcome", TEXT),
        # Sales-engagement sequences (Outreach, Salesloft): the roles contract's SDR metrics.
        Column("sequence_name", TEXT), Column("sequence_step", INTEGER, minimum=1), Column("cadence_type", TEXT),
    ),
    key=("source", "activity_id"),
    one_of=(("rep_id", "rep_email"),),
    description="Sales-engagement activity log (Outreach, Salesloft, dialers...).",
)


def all_objects(role_field: str, meddpicc_fields: list[str], region_field: str = "Region__c",
                **custom_fields: str) -> list[SourceObject]:
    """Every landing-zone object; custom_fields: segment_field, csm_field, sdr_field (API names)."""
    from .objects_roles import CS_OBJECTS

    return [*salesforce_objects(role_field, meddpicc_fields, region_field, **custom_fields), *GONG_OBJECTS,
            ACTIVITIES, *CS_OBJECTS]
