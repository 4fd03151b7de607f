"""The settings of role-parameterised coaching (issue 20): the `roles:` section and the crm
segment, CSM and SDR fields, validated when the settings load and passed to dbt as vars."""

from __future__ import annotations

import re

import pydantic
import pytest
import yaml

from coaching_pipeline.config import RoleSettings, load_settings
from coaching_pipeline.resources.dbt import dbt_vars


def override(tmp_path, text: str):
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    return load_settings(path)


def test_the_defaults_are_the_contracts():
    roles = load_settings().roles
    assert roles == RoleSettings()  # a settings file without the section gets the same
    assert roles.opportunity_types.renewal == ["Renewal", "Existing Business - Renewal"]
    assert [(band.below, band.segment) for band in roles.employee_segments] == [(200, "SMB"), (2000, "Mid-Market")]
    assert (roles.largest_segment, roles.health_tiers.healthy, roles.health_tiers.neutral,
            roles.health_tiers.at_risk) == ("Enterprise", 75, 50, 25)
    assert (roles.window_months, roles.min_sample, roles.qualified_probability, roles.renewal_late_days,
            roles.forecast_snapshot_days, roles.forecast_band.low, roles.forecast_band.high,
            roles.sdr_touch_target_per_day) == (3, 10, 20, 90, 14, 0.85, 1.15, 60)


def test_dbt_gets_the_fields_in_raw_names_and_the_section_whole():
    got = dbt_vars()
    assert (got["segment_field"], got["csm_field"], got["sdr_field"]) == ("segment_c", "csm_c", "sdr_c")
    assert got["roles"] == load_settings().roles.model_dump()
    assert got["roles"]["health_tiers"] == {"healthy": 75.0, "neutral": 50.0, "at_risk": 25.0}


def test_an_override_changes_only_what_it_names(tmp_path):
    settings = override(tmp_path, yaml.safe_dump({
        "crm": {"segment_field": "Tier__c"},
        "roles": {"min_sample_by_metric": {"renewal_rate": 5}, "health_tiers": {"healthy": 80}},
    }))
    assert settings.crm.segment_field == "Tier__c" and settings.crm.csm_field == "CSM__c"
    assert settings.roles.min_sample_for("renewal_rate") == 5
    assert settings.roles.min_sample_for("meeting_acceptance") == 10
    assert (settings.roles.health_tiers.healthy, settings.roles.health_tiers.neutral) == (80, 50)


@pytest.mark.parametrize(("section", "message"), [
    ({"health_tiers": {"healthy": 40}}, "healthy > neutral > at_risk"),
    ({"opportunity_types": {"new": ["Renewal"]}}, "'Renewal' is both new and renewal"),
    ({"opportunity_types": {"expansion": ["upsell", " RENEWAL "]}}, "' RENEWAL ' is both renewal and expansion"),
    ({"employee_segments": [{"below": 2000, "segment": "Mid"}, {"below": 200, "segment": "SMB"}]},
     "must rise from band to band, got [2000, 200]"),
    ({"forecast_band": {"low": 1.2}}, "low must be below high"),
    ({"min_sample_by_metric": {"renewal_rate": 0}}, "samples must be >= 1"),
    ({"health_trend_months": 1}, "greater than or equal to 2"),
    ({"window_month": 3}, "Extra inputs are not permitted"),  # a typo is refused, not ignored
])
def test_a_wrong_roles_section_is_refused_when_the_settings_load(tmp_path, section, message):
    with pytest.raises(pydantic.ValidationError, match=re.escape(message)):
        override(tmp_path, yaml.safe_dump({"roles": section}))
