"""The monthly job mails what it rendered when SMTP is configured (coaching contract,
"Delivery": the monthly schedule sends after rendering), and only then; `coaching run`
renders without mailing."""

import json

import pytest
from dagster import DagsterInstance, materialize

from coaching_pipeline.assets.digests import DIGEST_DELIVERY, digest_delivery, monthly_digests
from coaching_pipeline.resources import RunSettings, Warehouse

from ..smtp import SmtpSink

pytestmark = pytest.mark.xdist_group("sample")

MONTH = "2026-10-01"
MAIL_ENV = ("COACHING_SMTP_URL", "COACHING_MAIL_FROM")


def run_month(warehouse, output):
    return materialize(
        [monthly_digests, digest_delivery], partition_key=MONTH, instance=DagsterInstance.ephemeral(),
        resources={"warehouse": Warehouse(path=str(warehouse)), "run": RunSettings(output_dir=str(output))},
    )


def delivery_metadata(result) -> dict | None:
    events = [e for e in result.all_events
              if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == DIGEST_DELIVERY]
    if not events:
        return None
    [event] = events
    return {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}


def test_the_monthly_job_renders_then_mails_each_digest_once(sample_copy, tmp_path, monkeypatch):
    _, warehouse = sample_copy
    output = tmp_path / "out"
    for name in MAIL_ENV:
        monkeypatch.delenv(name, raising=False)
    without = run_month(warehouse, output)
    assert without.success
    assert delivery_metadata(without) is None  # nothing configured, nothing mailed or recorded
    assert not (output / "digests" / "sent-log.jsonl").exists()

    documents = json.loads((output / "digests" / "2026-10" / "manifest.json").read_text())["documents"]
    emails = [d for d in documents if d["format"] == "eml"]
    addressed = [d for d in emails if d["recipient_email"]]
    assert addressed and len(emails) == len([d for d in documents if d["format"] == "html"])

    with SmtpSink() as smtp:
        monkeypatch.setenv("COACHING_SMTP_URL", smtp.url)
        monkeypatch.setenv("COACHING_MAIL_FROM", "Sales Coaching <coaching@example.com>")
        first = run_month(warehouse, output)
        assert first.success
        received = smtp.messages
        assert sorted(m.rcpt_tos[0] for m in received) == sorted(d["recipient_email"] for d in addressed)
        assert all(m.mail_from == "coaching@example.com" for m in received)
        meta = delivery_metadata(first)
        assert (meta["sent"], meta["failed"], meta["already_sent"], meta["skipped_no_address"]) == (
            len(addressed), 0, 0, len(emails) - len(addressed))

        # the schedule firing again (or a re-execution) mails nobody twice
        again = run_month(warehouse, output)
        assert again.success and len(smtp.messages) == len(addressed)
        meta = delivery_metadata(again)
        assert (meta["sent"], meta["already_sent"]) == (0, len(addressed))


def test_a_refused_recipient_fails_the_run_after_the_others_went(sample_copy, tmp_path, monkeypatch):
    _, warehouse = sample_copy
    output = tmp_path / "out"
    for name in MAIL_ENV:
        monkeypatch.delenv(name, raising=False)
    assert run_month(warehouse, output).success  # rendered, not mailed
    documents = json.loads((output / "digests" / "2026-10" / "manifest.json").read_text())["documents"]
    addressed = [d for d in documents if d["format"] == "eml" and d["recipient_email"]]
    refused = addressed[0]["recipient_email"]
    with SmtpSink() as smtp:
        smtp.refuse(refused)
        monkeypatch.setenv("COACHING_SMTP_URL", smtp.url)
        monkeypatch.setenv("COACHING_MAIL_FROM", "coaching@example.com")
        result = materialize([digest_delivery], partition_key=MONTH, instance=DagsterInstance.ephemeral(),
                             resources={"run": RunSettings(output_dir=str(output))}, raise_on_error=False)
        assert not result.success
        [failure] = [e for e in result.all_events if e.is_step_failure]
        description = failure.event_specific_data.user_failure_data.description
        assert description.startswith("1 digest not delivered: ") and refused in description
        assert description.endswith("The others were sent; run again (or coaching send) to retry these.")
        assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(
            d["recipient_email"] for d in addressed[1:])
        assert delivery_metadata(result)["sent"] == len(addressed) - 1
