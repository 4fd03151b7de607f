"""The monthly digests assets, one partition per month.

`monthly_digests` renders that month's rep digests, manager digests and SLM notices
(coaching contract, "Monthly digests") into <output_dir>/digests/YYYY-MM/ with a manifest.
It writes the warehouse (the AI narrative's cache, coaching.llm_cache), so it runs in the
single-writer pool.

`digest_delivery` then mails them (coaching contract, "Delivery"; digests/delivery.py)
when COACHING_SMTP_URL is set: the monthly schedule sends after rendering. Without SMTP it
materializes nothing and says so. A recipient the server refused fails the step (and the
run, which the run-failure sensor reports) after the others went; the sent log keeps a
re-execution from mailing anyone twice.
"""

from collections import Counter

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from ..config import settings
from ..digests import Month, has_marts, render_month
from ..digests.delivery import send_month
from ..mail import SMTP_URL_VAR, smtp_server
from ..partitions import MONTHLY_PARTITIONS, requested_keys
from ..resources import WRITER_POOL, RunSettings, Warehouse
from .coaching import ASSESSMENTS, COACHING_LOG, DAILY_FLAGS, ESCALATIONS

MONTHLY_DIGESTS = AssetKey(["digests", "monthly_digests"])
DIGEST_DELIVERY = AssetKey(["digests", "digest_delivery"])

_INPUTS = [ASSESSMENTS, COACHING_LOG, ESCALATIONS, DAILY_FLAGS] + [
    AssetKey(["marts", name])
    for name in ("rep_performance", "rep_activities", "deal_health_scores", "next_best_actions", "role_metrics")
] + [AssetKey(["intermediate", "int_gong_calls"])]


@asset(
    key=MONTHLY_DIGESTS,
    deps=_INPUTS,
    partitions_def=MONTHLY_PARTITIONS,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="digests",
    pool=WRITER_POOL,
    kinds={"html", "markdown", "anthropic"},
    description="Monthly rep digests, manager digests and SLM notices: self-contained HTML (inline CSS, "
    "SVG charts), Markdown and an email variant (.eml, PNG charts inline) in <output>/digests/YYYY-MM/ "
    "with a manifest; AI narrative when ANTHROPIC_API_KEY is set, else the deterministic template.",
)
def monthly_digests(context: AssetExecutionContext, warehouse: Warehouse, run: RunSettings) -> MaterializeResult:
    # A backfill of several months is one run (BackfillPolicy.single_run), month by month.
    months = [Month.of(key) for key in sorted(requested_keys(context, MONTHLY_PARTITIONS))]
    results = []
    with warehouse.connect() as con:
        if not has_marts(con):
            raise Failure("the marts are not built yet: run the nightly job (dbt build) before the digests")
        for month in months:
            result = render_month(con, month, run.output)
            stats = result.narrative
            context.log.info(
                f"{month.key}: {len(result.documents)} files in {result.directory} ({result.seconds:.1f}s); "
                f"narrative {stats.ai} AI ({stats.cache_hits} cached), {stats.template} template"
            )
            results.append(result)
    last = results[-1]
    stats = [r.narrative for r in results]
    return MaterializeResult(
        metadata={
            "months": ", ".join(m.key for m in months),
            "directory": MetadataValue.path(str(last.directory)),
            "manifest": MetadataValue.path(str(last.directory / "manifest.json")),
            "rep_digests": sum(r.count("rep") for r in results),
            "manager_digests": sum(r.count("manager") for r in results),
            "slm_notices": sum(r.count("slm") for r in results),
            "files": sum(len(r.documents) for r in results),
            "render_seconds": round(sum(r.seconds for r in results), 2),
            "narrative_ai": sum(n.ai for n in stats),
            "narrative_template": sum(n.template for n in stats),
            "narrative_fallback_reasons": MetadataValue.json(
                dict(sorted(sum((Counter(n.fallback_reasons) for n in stats), Counter()).items()))
            ),
            "llm_model": stats[-1].model if stats[-1].enabled else "none (no ANTHROPIC_API_KEY)",
            "llm_api_requests": sum(n.api_requests for n in stats),
            "llm_cache_hits": sum(n.cache_hits for n in stats),
            "llm_input_tokens": sum(n.input_tokens for n in stats),
            "llm_output_tokens": sum(n.output_tokens for n in stats),
        }
    )


@asset(
    key=DIGEST_DELIVERY,
    deps=[MONTHLY_DIGESTS],
    partitions_def=MONTHLY_PARTITIONS,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="digests",
    # It writes no warehouse, but shares the pool like every node of the location, so a
    # month is never mailed while the next run re-renders its folder.
    pool=WRITER_POOL,
    kinds={"email"},
    output_required=False,
    description="Mails the month's digests to their recipients over SMTP (COACHING_SMTP_URL, "
    "COACHING_MAIL_FROM), never twice the same document to the same person (<output>/digests/sent-log.jsonl). "
    "Without COACHING_SMTP_URL it sends nothing and records no materialization.",
)
def digest_delivery(context: AssetExecutionContext, run: RunSettings):
    server = smtp_server()
    months = [Month.of(key) for key in sorted(requested_keys(context, MONTHLY_PARTITIONS))]
    if server is None:
        context.log.info(f"{SMTP_URL_VAR} is not set: the digests are not mailed "
                         f"(later: coaching send --month {months[-1].key})")
        return
    results = [send_month(run.output, m.key, server, settings().delivery.smtp_timeout_seconds,
                          echo=context.log.info) for m in months]
    for result in results:
        context.log.info(result.summary())
    failed = [f"{item}: {why}" for r in results for item, why in r.failed]
    metadata = {
        "months": ", ".join(m.key for m in months),
        "smtp_server": str(server),
        "sent": sum(len(r.sent) for r in results),
        "failed": len(failed),
        "already_sent": sum(len(r.plan.already_sent) for r in results),
        "skipped_no_address": sum(len(r.plan.skipped) for r in results),
        "sent_log": MetadataValue.path(str(run.output / "digests" / "sent-log.jsonl")),
    }
    if failed:
        # What went is recorded (the asset did deliver it); the run must still end red.
        for month in months:
            yield AssetMaterialization(asset_key=DIGEST_DELIVERY, metadata=metadata, partition=month.start.isoformat())
        raise Failure(description=f"{len(failed)} digest{'s' if len(failed) != 1 else ''} not delivered: "
                      + "; ".join(failed[:5]) + (f"; and {len(failed) - 5} more" if len(failed) > 5 else "")
                      + ". The others were sent; run again (or coaching send) to retry these.",
                      metadata={"failed": MetadataValue.md("\n".join(f"- {f}" for f in failed))})
    yield MaterializeResult(metadata=metadata)
