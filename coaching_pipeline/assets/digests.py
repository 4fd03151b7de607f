"""The monthly digests asset: one partition per month, rendering that month's rep digests,
manager digests and SLM notices (coaching contract, "Monthly digests") into
<output_dir>/digests/YYYY-MM/ with a manifest. It writes the warehouse (the AI narrative's
cache, coaching.llm_cache), so it runs in the single-writer pool."""

from collections import Counter

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from ..digests import Month, render_month
from ..digests.content import has_marts
from ..partitions import MONTHLY_PARTITIONS, requested_keys
from ..resources import WRITER_POOL, RunSettings, Warehouse
from .coaching import ASSESSMENTS, COACHING_LOG, DAILY_FLAGS, ESCALATIONS

MONTHLY_DIGESTS = AssetKey(["digests", "monthly_digests"])

_INPUTS = [ASSESSMENTS, COACHING_LOG, ESCALATIONS, DAILY_FLAGS] + [
    AssetKey(["marts", name])
    for name in ("rep_performance", "rep_activities", "deal_health_scores", "next_best_actions")
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
    "SVG charts) and Markdown in <output>/digests/YYYY-MM/ with a manifest; AI narrative when "
    "ANTHROPIC_API_KEY is set, else the deterministic template.",
)
def monthly_digests(context: AssetExecutionContext, warehouse: Warehouse, run: RunSettings) -> MaterializeResult:
    # A backfill of several months is one run (BackfillPolicy.single_run), month by month.
    months = [Month.of(key) for key in sorted(requested_keys(context, MONTHLY_PARTITIONS))]
    results = []
    with warehouse.connect() as con:
        if not has_marts(con):
            raise Failure("the marts are not built yet: run the nightly job (dbt build) before the digests")
        for month in months:
            result = render_month(con, month, run.output_dir)
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
