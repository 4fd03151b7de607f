"""Column naming and value parsing of the landing zone (no warehouse involved)."""

import datetime as dt

import polars as pl
import pytest

from coaching_pipeline.ingest.objects import to_snake
from coaching_pipeline.ingest.parsing import (
    parse_bool,
    parse_date,
    parse_integer,
    parse_number,
    parse_timestamp,
)


@pytest.mark.parametrize(
    "api, snake",
    [
        ("StageName", "stage_name"),
        ("Economic_Buyer__c", "economic_buyer_c"),
        ("Pricebook2Id", "pricebook_2_id"),
        ("_fivetran_deleted", "_fivetran_deleted"),
        ("IsDeleted", "is_deleted"),
        ("CallDurationInSeconds", "call_duration_in_seconds"),
        ("SystemModstamp", "system_modstamp"),
        ("stage_name", "stage_name"),
        ("Sales_Role__c", "sales_role_c"),
    ],
)
def test_api_names_map_to_el_tool_snake_case(api, snake):
    assert to_snake(api) == snake


def _apply(expr_fn, values):
    return pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).select(expr_fn(pl.col("v"))).to_series().to_list()


def test_timestamps_with_offsets_z_and_salesforce_style_normalise_to_utc():
    values = [
        "2024-01-05T10:00:00Z",
        "2024-01-05T10:00:00.000+0000",
        "2020-08-10T12:58:32.683579-04:00",
        "2024-01-05T10:00:00",  # naive: taken as UTC
        "2024-01-05 23:30:00+02:00",
        "2024-01-05",
        "yesterday",
        "",
        None,
    ]
    assert _apply(parse_timestamp, values) == [
        dt.datetime(2024, 1, 5, 10),
        dt.datetime(2024, 1, 5, 10),
        dt.datetime(2020, 8, 10, 16, 58, 32, 683579),
        dt.datetime(2024, 1, 5, 10),
        dt.datetime(2024, 1, 5, 21, 30),
        dt.datetime(2024, 1, 5),
        None,
        None,
        None,
    ]


def test_dates_accept_a_timestamp_and_take_its_utc_date():
    assert _apply(parse_date, ["2025-03-31", "31/02/2025", "2025-03-31T23:30:00-05:00", None]) == [
        dt.date(2025, 3, 31),
        None,
        dt.date(2025, 4, 1),
        None,
    ]


def test_booleans_in_every_delivered_style():
    assert _apply(parse_bool, ["true", "FALSE", "1", "0", "True", " false ", "maybe", None]) == [
        True, False, True, False, True, False, None, None,
    ]


def test_numbers_and_whole_numbers():
    assert _apply(parse_number, ["1000", "-5.5", "1e3", "abc", "nan", "inf", None]) == [
        1000.0, -5.5, 1000.0, None, None, None, None,
    ]
    assert _apply(parse_integer, ["60", "60.0", "60.5", "x"]) == [60, 60, None, None]
