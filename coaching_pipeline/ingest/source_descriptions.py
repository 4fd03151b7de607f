"""The words of dbt's raw-layer declaration (_sources.yml, rendered by dbt_sources.py): the
sources' description, what an optional object's table adds, the columns described once for
every object that has them, and each object's own columns. "Required." is added from
objects.py, not written here."""

SOURCE_DESCRIPTION = (
    "The raw layer written by the Python ingestion (coaching_pipeline/ingest/objects.py): one table "
    "per landing-zone object, typed, unique on the object's key, with load metadata columns."
)

# What the table description adds to SourceObject.description for an object a landing zone
# may leave out.
OPTIONAL_OBJECTS = {
    "organization": "Optional: without crm/Organization* files the table exists empty and the "
    "configured defaults apply.",
    "currency_type": "Optional: without crm/CurrencyType* files every amount is in the corporate "
    "currency.",
    "dated_conversion_rate": "Optional: without crm/DatedConversionRate* files the static "
    "CurrencyType rates apply.",
    "opportunity_line_item": "Optional: without crm/OpportunityLineItem* files the table exists empty "
    "and discount depth is null.",
    "contract": "Optional: without crm/Contract* files the table exists empty and a renewal's timing "
    "is judged by its CloseDate.",
    "cs_health": "Optional (the cs/ folder may be absent): without cs/health* files the table exists "
    "empty and the health, NPS, CSAT and escalation metrics are null.",
    "cs_onboarding": "Optional (the cs/ folder may be absent): without cs/onboarding* files the table "
    "exists empty and time to value and milestones on time are null.",
}

# Columns described once for every object that has them (a table's own entry in COLUMNS wins).
COMMON_COLUMNS = {
    # Salesforce system columns (objects._SF_SYSTEM)
    "created_date": "CreatedDate: when the record was created in Salesforce (UTC).",
    "last_modified_date": (
        "LastModifiedDate: when a user last changed the record (UTC); orders re-delivered versions "
        "when SystemModstamp is missing."
    ),
    "system_modstamp": (
        "SystemModstamp: when the record was last changed by anyone or anything (UTC); the first "
        "rule ordering re-delivered versions."
    ),
    "is_deleted": (
        "IsDeleted: true when the record is in the Salesforce recycle bin. Kept in raw, dropped "
        "by staging."
    ),
    "_fivetran_deleted": "Set by Fivetran when the record was deleted at the source. Kept in raw, dropped by staging.",
    "_fivetran_synced": "When Fivetran last synced the record (UTC), when the extract came from Fivetran.",
    # Load metadata (objects.LOAD_METADATA_COLUMNS)
    "_source_file": (
        "Load metadata: the landing-zone file the row came from, relative to the landing root (e.g. "
        "crm/Opportunity__2024-12-01.csv)."
    ),
    "_source_row": "Load metadata: 1-based record number of the row in that file (header excluded).",
    "_loaded_at": "Load metadata: UTC time of the load transaction that wrote this version of the row.",
    "_row_hash": "Load metadata: content hash of the delivered values, used to detect conflicting duplicates.",
}

# Each object's own columns. "Required." is added from objects.py, not written here.
COLUMNS: dict[str, dict[str, str]] = {
    "user": {
        "id": "User Id (15/18-char Salesforce id).",
        "name": "Full name of the user.",
        "email": (
            "Email of the user; matched case-insensitively to Gong users, call parties and "
            "activity-log rep_email."
        ),
        "is_active": "IsActive: whether the user can log in.",
        "manager_id": "ManagerId: the user's manager (a User Id).",
        "user_role_id": "UserRoleId: the user's role in the role hierarchy (UserRole Id).",
        "title": "Job title.",
        "department": "Department.",
        "time_zone_sid_key": (
            "TimeZoneSidKey: the user's time zone (IANA name, e.g. America/Los_Angeles); their "
            "activity dates and best times are in it."
        ),
        "default_currency_iso_code": (
            "DefaultCurrencyIsoCode: the user's personal currency (informational; deals carry "
            "their own)."
        ),
    },
    "user_role": {
        "id": "UserRole Id.",
        "name": "Role name, matched against the configured role patterns when the role field is empty.",
        "parent_role_id": "ParentRoleId: the role above this one.",
    },
    "account": {
        "id": "Account Id.",
        "name": "Account name.",
        "owner_id": "OwnerId: the User who owns the account.",
        "industry": "Industry picklist value.",
        "annual_revenue": "AnnualRevenue (>= 0).",
        "number_of_employees": "NumberOfEmployees (>= 0).",
        "billing_country": "BillingCountry.",
        "type": "Account Type picklist value (e.g. Customer, Prospect).",
    },
    "contact": {
        "id": "Contact Id.",
        "account_id": "AccountId: the account the person works for.",
        "first_name": "First name.",
        "last_name": "Last name.",
        "name": "Full name.",
        "title": "Job title.",
        "email": "Email; call parties are matched to contacts on it (case-insensitive).",
    },
    "opportunity": {
        "id": "Opportunity Id.",
        "account_id": (
            "AccountId: the customer account of the deal; empty on a deal without an account, "
            "which Salesforce allows (private deals, early pipeline)."
        ),
        "owner_id": "OwnerId: the User who owns the deal (the rep). May be a user not in the User extract.",
        "name": "Opportunity name.",
        "stage_name": "StageName: org-specific stage text; never used to decide open/won/lost.",
        "amount": (
            "Amount of the deal (>= 0) in its own currency (CurrencyIsoCode), DECIMAL(18,2); "
            "empty on a deal without an amount, which Salesforce allows."
        ),
        "currency_iso_code": (
            "CurrencyIsoCode of Amount; empty in a single-currency org (the corporate currency)."
        ),
        "close_date": "CloseDate: expected or actual close date.",
        "is_closed": "IsClosed: the deal is closed (won or lost).",
        "is_won": "IsWon: the deal is won (with IsClosed).",
        "forecast_category_name": "ForecastCategoryName (Pipeline, Best Case, Commit, Closed, Omitted).",
        "probability": "Probability in percent (0-100).",
        "type": "Opportunity Type (e.g. New Business, Renewal).",
        "lead_source": "LeadSource.",
        "next_step": "NextStep free text.",
        "last_activity_date": "LastActivityDate maintained by Salesforce.",
        "created_by_id": "CreatedById: the User who created the deal (its SDR when no SDR field is set).",
    },
    "opportunity_history": {
        "id": "OpportunityHistory Id.",
        "opportunity_id": "The opportunity this snapshot belongs to.",
        "stage_name": "Stage at the time of the change.",
        "created_date": "When the change happened (UTC).",
        "amount": "Amount at the time of the change (>= 0).",
        "close_date": "Close date at the time of the change.",
        "probability": "Probability at the time of the change (0-100).",
        "forecast_category": "Forecast category at the time of the change.",
    },
    "opportunity_contact_role": {
        "id": "OpportunityContactRole Id.",
        "opportunity_id": "The opportunity.",
        "contact_id": "The contact engaged on it.",
        "role": "Buying role of the contact (e.g. Decision Maker, Economic Buyer, Champion).",
        "is_primary": "IsPrimary: the primary contact of the deal.",
    },
    "opportunity_field_history": {
        "id": "OpportunityFieldHistory Id.",
        "opportunity_id": "The opportunity that changed.",
        "field": "API name of the field that changed (e.g. CloseDate, StageName).",
        "created_date": "When the change happened (UTC).",
        "old_value": "Value before the change, as text.",
        "new_value": "Value after the change, as text.",
    },
    "task": {
        "id": "Task Id.",
        "owner_id": "OwnerId: the User who did (or owns) the task.",
        "activity_date": (
            "ActivityDate: the task's due/activity date. One of ActivityDate and CreatedDate is "
            "required."
        ),
        "created_date": "CreatedDate (UTC). One of ActivityDate and CreatedDate is required.",
        "task_subtype": (
            "TaskSubtype (Call, Email, ListEmail, LinkedIn, Task ...): drives the activity "
            "classification."
        ),
        "type": "Task Type picklist value.",
        "subject": "Subject line.",
        "who_id": "WhoId: the Contact or Lead the task is about.",
        "what_id": "WhatId: the record the task is about (an Opportunity Id when it concerns a deal).",
        "account_id": "AccountId of the related record.",
        "status": "Task status.",
        "call_duration_in_seconds": "CallDurationInSeconds for logged calls (>= 0).",
        "call_type": "CallType (Inbound, Outbound, Internal).",
    },
    "event": {
        "id": "Event Id.",
        "owner_id": "OwnerId: the User whose calendar holds the event.",
        "start_date_time": "StartDateTime (UTC).",
        "end_date_time": "EndDateTime (UTC).",
        "duration_in_minutes": "DurationInMinutes (>= 0).",
        "type": "Event Type picklist value (an event of Type Demo is a demo).",
        "subject": "Subject; an event whose subject contains 'demo' is a demo.",
        "who_id": "WhoId: the Contact or Lead invited.",
        "what_id": "WhatId: the related record (an Opportunity Id when it concerns a deal).",
        "account_id": "AccountId of the related record.",
    },
    "forecasting_quota": {
        "id": "ForecastingQuota Id; often missing from extracts, so not part of the key.",
        "quota_owner_id": "QuotaOwnerId: the User the quota belongs to.",
        "start_date": "StartDate of the quota period.",
        "quota_amount": "QuotaAmount (>= 0).",
        "period_id": (
            "PeriodId: the Period the quota covers; without it the quota covers the configured "
            "period length from StartDate."
        ),
        "currency_iso_code": "CurrencyIsoCode of the amount.",
    },
    "period": {
        "id": "Period Id.",
        "start_date": "First day of the period.",
        "end_date": "Last day of the period.",
        "type": "Period type: Month, Quarter or Year.",
    },
    "organization": {
        "id": "Organization Id.",
        "default_currency_iso_code": "DefaultCurrencyIsoCode: the org's default (corporate) currency.",
        "time_zone_sid_key": (
            "TimeZoneSidKey: the org's default time zone (IANA name, e.g. America/Los_Angeles)."
        ),
        "fiscal_year_start_month": (
            "FiscalYearStartMonth: first month of the fiscal year, 1-12 (a value outside is "
            "quarantined). Overrides settings fiscal.year_start_month when present."
        ),
    },
    "currency_type": {
        "id": "CurrencyType Id (extracts often omit it).",
        "iso_code": "IsoCode: the ISO 4217 code, e.g. EUR.",
        "conversion_rate": (
            "ConversionRate: units of this currency per one unit of the corporate currency, "
            "DECIMAL(18,6)."
        ),
        "is_corporate": "IsCorporate: true on the corporate currency (its rate is 1).",
        "is_active": (
            "IsActive: whether users can still pick the currency (inactive currencies still "
            "convert)."
        ),
        "decimal_places": "DecimalPlaces: how many decimals the currency shows (JPY 0, most 2).",
    },
    "dated_conversion_rate": {
        "id": "DatedConversionRate Id.",
        "iso_code": "IsoCode of the currency.",
        "conversion_rate": (
            "ConversionRate: units of this currency per one unit of the corporate currency in the"
            " range, DECIMAL(18,6)."
        ),
        "start_date": (
            "StartDate: first day of the range. Salesforce starts the first range on 0001-01-01, "
            "so no date bounds apply."
        ),
        "next_start_date": (
            "NextStartDate: the day after the range ends; empty (or 9999-12-31) on the last "
            "range."
        ),
    },
    "gong_users": {
        "id": "Gong user id (19-20 digit number kept as text).",
        "email_address": "Email; matched case-insensitively to Salesforce User.Email.",
        "first_name": "First name.",
        "last_name": "Last name.",
        "manager_id": "managerId: the Gong user id of the user's manager.",
        "title": "Job title.",
        "active": "Whether the Gong user is active.",
        "created": "When the Gong user was created (UTC).",
        "record": "The whole Gong user object as returned by the API (JSON).",
    },
    "gong_calls": {
        "call_id": "metaData.id: Gong call id (text).",
        "url": "metaData.url: link to the call in Gong.",
        "title": "metaData.title.",
        "started": "metaData.started: when the call started (UTC).",
        "scheduled": "metaData.scheduled: when the call was scheduled to start (UTC).",
        "duration": "metaData.duration in seconds (>= 0).",
        "primary_user_id": "metaData.primaryUserId: the Gong user hosting the call (the rep).",
        "direction": "metaData.direction (Inbound, Outbound, Conference, Unknown).",
        "scope": (
            "metaData.scope (External, Internal, Unknown); only External calls are customer "
            "conversations."
        ),
        "system": "metaData.system: the meeting or dialer system (Zoom, Outreach ...).",
        "media": "metaData.media (Video, Audio).",
        "language": "metaData.language.",
        "workspace_id": "metaData.workspaceId.",
        "record": (
            "The whole call object (metaData, context, parties, content, interaction, "
            "collaboration) as returned by the API (JSON)."
        ),
    },
    "gong_transcripts": {
        "call_id": "callId: the Gong call transcribed.",
        "record": (
            "The whole callTranscripts[] item (JSON): transcript[] of monologues with speakerId, "
            "topic and sentences (start/end in milliseconds, text)."
        ),
    },
    "gong_scorecards": {
        "scorecard_id": "Gong scorecard id.",
        "scorecard_name": "Scorecard name.",
        "enabled": "Whether the scorecard is enabled.",
        "updated": "When the scorecard was last updated (UTC).",
        "record": "The whole scorecard object with its questions (JSON).",
    },
    "gong_answered_scorecards": {
        "answered_scorecard_id": "Id of this answered scorecard (one review).",
        "scorecard_id": "The scorecard answered.",
        "call_id": "The Gong call reviewed.",
        "call_start_time": "When that call started (UTC).",
        "reviewed_user_id": "The Gong user reviewed (the rep).",
        "reviewer_user_id": "The Gong user who filled in the scorecard.",
        "review_time": "When the review was made (UTC).",
        "record": "The whole answered-scorecard object with its answers (JSON).",
    },
    "activities": {
        "activity_id": "Activity id, unique within its source.",
        "source": "System that logged it (e.g. outreach).",
        "rep_id": "Salesforce User Id of the rep (rep_id or rep_email is required).",
        "rep_email": "Email of the rep, matched to User.Email (rep_id or rep_email is required).",
        "activity_type": (
            "call, email, meeting, demo, social, task or other, as delivered (any case; unknown "
            "values count as other)."
        ),
        "occurred_at": "When the activity happened (UTC).",
        "account_id": "Salesforce Account Id, when known.",
        "contact_id": "Salesforce Contact Id, when known.",
        "opportunity_id": "Salesforce Opportunity Id, when known.",
        "duration_seconds": "Duration in seconds as the tool reports it (>= 0).",
        "direction": "Direction as the tool reports it (e.g. inbound, outbound).",
        "outcome": (
            "Outcome as the tool reports it: replied, meeting_booked, bounced, no_answer, connected, "
            "or free text."
        ),
        "sequence_name": "Name of the sales-engagement sequence (cadence) the touch belongs to.",
        "sequence_step": "Step number of the touch in its sequence (1, 2, ...; >= 1).",
        "cadence_type": "Kind of sequence: cold, warm, abm, re_engage, or anything else (other).",
    },
    "opportunity_line_item": {
        "id": "OpportunityLineItem Id.",
        "opportunity_id": "The opportunity the product is on.",
        "product_2_id": "Product2Id: the product sold.",
        "quantity": "Quantity (>= 0).",
        "unit_price": "UnitPrice: the sales price of one unit, in the line's currency (>= 0).",
        "list_price": "ListPrice: the price-book price of one unit (>= 0).",
        "total_price": "TotalPrice: quantity x sales price less the discount (>= 0).",
        "discount": "Discount in percent, as Salesforce stores it (0-100; 12.5 is 12.5%).",
        "currency_iso_code": "CurrencyIsoCode of the prices (the opportunity's); empty in a single-currency org.",
    },
    "contract": {
        "id": "Contract Id.",
        "account_id": "AccountId: the customer account.",
        "start_date": "StartDate: first day of the contract.",
        "end_date": "EndDate: last day of the contract; its renewal is due then.",
        "status": "Status (Draft, In Approval Process, Activated ...).",
        "contract_term": "ContractTerm: length in months (>= 1).",
        "owner_id": "OwnerId: the User who owns the contract.",
    },
    "cs_health": {
        "account_id": "Salesforce Account Id of the account scored.",
        "snapshot_date": "Date of the health snapshot.",
        "health_score": "Health score 0-100 (health_score or health_tier is required).",
        "health_tier": (
            "Health tier as delivered: healthy, neutral, at_risk or critical, any case (health_score "
            "or health_tier is required)."
        ),
        "nps": "Net Promoter Score of the account on that date (-100 to 100).",
        "csat": "Customer satisfaction score (>= 0, on the platform's own scale).",
        "arr": "Annual recurring revenue of the account on that date (>= 0).",
        "csm_id": "Salesforce User Id of the account's CSM, when the platform gives it.",
        "csm_email": "Email of the account's CSM, matched to User.Email, when the platform gives it.",
    },
    "cs_onboarding": {
        "account_id": "Salesforce Account Id of the account onboarded.",
        "milestone": "Name of the onboarding milestone (e.g. Kickoff, Go-live).",
        "due_date": "When the milestone is due.",
        "completed_date": "When it was completed; empty while it is not.",
        "ttv_target_days": "Target days from kickoff to go-live (time to value, >= 0).",
        "go_live_date": "When the account went live; empty before.",
        "kickoff_date": "When the onboarding started.",
    },
}
