"""The landing-zone objects added for role-parameterised coaching (roles contract, "Inputs
beyond today's landing zone"): Salesforce OpportunityLineItem and Contract, and the `cs/`
folder a customer-success platform (Gainsight, ChurnZero, Vitally ...) exports, with account
health snapshots and onboarding milestones. Every one is optional: without its files the
raw table exists empty and the metrics that need it are null."""

from __future__ import annotations

from .objects import DATE, ID, INTEGER, MONEY, NUMBER, TEXT, Column, SourceObject, _salesforce


def opportunity_line_item() -> SourceObject:
    return _salesforce(
        "opportunity_line_item", ("OpportunityLineItem",),
        "Id:id!", "OpportunityId:id!", "Product2Id:id",
        # Credit lines with negative prices are not part of the contract: prices and amounts
        # are never negative here, as everywhere money is (dbt macros/money.sql relies on it).
        Column("quantity", NUMBER, minimum=0),
        Column("unit_price", MONEY, minimum=0, is_amount=True),
        Column("list_price", MONEY, minimum=0, is_amount=True),
        Column("total_price", MONEY, minimum=0, is_amount=True),
        # Salesforce's Discount is a percent field: 12.5 means 12.5%.
        Column("discount", NUMBER, minimum=0, maximum=100),
        "CurrencyIsoCode:text",
        description="Products on a deal with their prices and discount (discount depth of AEs).",
    )


def contract() -> SourceObject:
    return _salesforce(
        "contract", ("Contract",),
        "Id:id!", "AccountId:id!", "StartDate:date!", "EndDate:date!", "Status:text",
        Column("contract_term", INTEGER, minimum=1), "OwnerId:id",
        description="Customer contracts; EndDate drives renewal timing (renewals opened late).",
    )


CS_HEALTH = SourceObject(
    name="cs_health", source="cs", file_stems=("health",),
    columns=(
        Column("account_id", ID, required=True), Column("snapshot_date", DATE, required=True),
        Column("health_score", NUMBER, minimum=0, maximum=100), Column("health_tier", TEXT),
        Column("nps", NUMBER, minimum=-100, maximum=100), Column("csat", NUMBER, minimum=0),
        Column("arr", MONEY, minimum=0, is_amount=True),
        Column("csm_id", ID), Column("csm_email", TEXT),
    ),
    key=("account_id", "snapshot_date"),
    one_of=(("health_score", "health_tier"),),
    description="Account health snapshots from the customer-success platform (one per account and "
    "snapshot date): score and/or tier, NPS, CSAT, ARR and the CSM.",
)

CS_ONBOARDING = SourceObject(
    name="cs_onboarding", source="cs", file_stems=("onboarding",),
    columns=(
        Column("account_id", ID, required=True), Column("milestone", TEXT, required=True),
        Column("due_date", DATE, required=True), Column("completed_date", DATE),
        Column("ttv_target_days", INTEGER, minimum=0),
        Column("go_live_date", DATE), Column("kickoff_date", DATE),
    ),
    key=("account_id", "milestone"),
    description="Onboarding milestones of customer accounts (time to value, milestones on time).",
)

CS_OBJECTS = [CS_HEALTH, CS_ONBOARDING]
