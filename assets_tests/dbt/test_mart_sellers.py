"""marts.sellers on a hand-written landing zone: who each seller is, whom they report to,
their region (the configured User field, else the text after " - " of the UserRole name),
zone and currency. Managers and users without a sales role have no row there; marts.users
lists everyone, for the workbench's sign-in by email."""

from __future__ import annotations

import datetime as dt

from ..landing import write_crm
from ..warehouse import dbt, load_raw, query, query_dicts

AS_OF = dt.date(2025, 3, 31)


def sfid(prefix: str, tag: str) -> str:
    return f"{prefix}{tag:0>12}AAA"


V, M, W, E, N, X = (sfid("005", t) for t in ("V", "M", "W", "E", "N", "X"))
ROLE_WEST, ROLE_AE, ROLE_ADMIN = sfid("00E", "RW"), sfid("00E", "RA"), sfid("00E", "RX")


def test_sellers_carry_role_hierarchy_region_zone_and_currency(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_crm(landing, "UserRole", [
        {"Id": ROLE_WEST, "Name": "Account Executive - West"},
        {"Id": ROLE_AE, "Name": "Account Executive"},
        {"Id": ROLE_ADMIN, "Name": "System Admin - Ops"},
    ])
    base = {"IsActive": "true"}
    write_crm(landing, "User", [
        {**base, "Id": V, "Name": "Vera VP", "Email": "v@vendor.example", "Sales_Role__c": "MANAGER"},
        {**base, "Id": M, "Name": "Mia Manager", "Email": "m@vendor.example", "Sales_Role__c": "manager",
         "ManagerId": V},
        # region from the UserRole name; role from the pattern
        {**base, "Id": W, "Name": "Wes West", "Email": " Wes@Vendor.example ", "UserRoleId": ROLE_WEST,
         "ManagerId": M, "TimeZoneSidKey": "America/Los_Angeles"},
        # the configured field wins over the role name
        {**base, "Id": E, "Name": "Eli East", "Email": "e@vendor.example", "UserRoleId": ROLE_WEST,
         "Sales_Role__c": "ae", "Region__c": " East ", "ManagerId": M, "IsActive": "false"},
        # neither: no region; no manager
        {**base, "Id": N, "Name": "Nia None", "Email": "n@vendor.example", "UserRoleId": ROLE_AE,
         "Sales_Role__c": "SDR"},
        # not a seller (no sales role), although its role name has a " - "
        {**base, "Id": X, "Name": "Xan Admin", "Email": "x@vendor.example", "UserRoleId": ROLE_ADMIN},
    ])
    write_crm(landing, "Organization", [{"Id": sfid("00D", "ORG"), "TimeZoneSidKey": "Europe/Berlin",
                                         "DefaultCurrencyIsoCode": "EUR"}])
    load_raw(landing, warehouse)
    dbt(["build", "--select", "+sellers", "+users", "--indirect-selection", "cautious"], warehouse, AS_OF)
    # marts.users: everyone, managers and the admin included (the workbench signs them in by email)
    assert query(warehouse, "select user_id, email, role, is_seller, manager_id, is_active from marts.users "
                            "order by user_name") == [
        (E, "e@vendor.example", "AE", True, M, False),
        (M, "m@vendor.example", None, False, V, True),
        (N, "n@vendor.example", "SDR", True, None, True),
        (V, "v@vendor.example", None, False, None, True),
        (W, "Wes@Vendor.example", "AE", True, M, True),
        (X, "x@vendor.example", None, False, None, True),
    ]
    rows = query_dicts(warehouse, "select * from marts.sellers order by rep_name")
    assert rows == [
        {"rep_id": E, "rep_name": "Eli East", "email": "e@vendor.example", "role": "AE", "role_source": "field",
         "manager_id": M, "manager_name": "Mia Manager", "slm_id": V, "slm_name": "Vera VP", "region": "East",
         "time_zone": "Europe/Berlin", "currency": "EUR", "is_active": False},
        {"rep_id": N, "rep_name": "Nia None", "email": "n@vendor.example", "role": "SDR", "role_source": "field",
         "manager_id": None, "manager_name": None, "slm_id": None, "slm_name": None, "region": None,
         "time_zone": "Europe/Berlin", "currency": "EUR", "is_active": True},
        {"rep_id": W, "rep_name": "Wes West", "email": "Wes@Vendor.example", "role": "AE", "role_source": "pattern",
         "manager_id": M, "manager_name": "Mia Manager", "slm_id": V, "slm_name": "Vera VP", "region": "West",
         "time_zone": "America/Los_Angeles", "currency": "EUR", "is_active": True},
    ]
    # the YAML docs persist as DuckDB comments (what an analyst's shell shows)
    comments = dict(query(warehouse, "select column_name, comment from duckdb_columns() "
                                     "where schema_name = 'marts' and table_name = 'sellers'"))
    assert comments["time_zone"] == ("The zone the seller's days are counted in (int_users.time_zone; "
                                     "time_zone_source says where it came from).")
    assert all(comments.values()), [c for c, text in comments.items() if not text]


def test_make_docs_builds_one_static_page_with_the_model_docs(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    landing, warehouse = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    write_crm(landing, "User", [{"Id": W, "Name": "Wes West", "Email": "w@vendor.example", "IsActive": "true",
                                 "Sales_Role__c": "AE"}])
    load_raw(landing, warehouse)
    dbt(["build", "--select", "+sellers", "--indirect-selection", "cautious"], warehouse, AS_OF)
    proc = subprocess.run([str(Path(sys.executable).with_name("coaching")), "docs", "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = Path(proc.stdout.split("dbt documentation: ")[1].split(" (one file")[0])
    html = page.read_text()
    assert "One row per seller (a user whose sales role is AE, AM, CSM or SDR" in html
