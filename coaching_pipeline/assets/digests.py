"""The monthly digests asset: one partition per month, rendering that month's rep digests,
manager digests and SLM notices (coaching contract, "Monthly digests") into
<output_dir>/digests/YYYY-MM/ with a manifest. It writes the warehouse (the AI narrative's
cache, coaching.llm_cache), so it runs in the single-writer pool."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    Failure,
    MaterializeResult,
    MetadataValue,
    MonthlyPartitionsDefinition,
    asset,
)

from ..digests import Month, render_month
from ..digests.content import has_marts
from ..resources import WRITER_POOL, RunSettings, Warehouse
from .coaching import ASSESSMENTS, COACHING_LOG, DAILY_FLAGS, ESCALATIONS

# One partition per calendar month, keyed by its first day; the partition is the month
# rendered (the monthly schedule renders the previous month on the first business day).
# The current month is included, so a month-to-date preview can be rendered on demand.
MONTHLY_PARTITIONS = MonthlyPartitionsDefinition(start_date="2023-01-01", end_offset=1)

MONTHLY_DIGESTS = AssetKey(["digests", "monthly_digests"])

_INPUTS = [ASSESSMENTS, COACHING_LOG, ESCALATIONS, DAILY_FLAGS] + [
    AssetKey(["marts", name])
    for name in ("rep_performance", "rep_activities", "deal_health_scores", "next_best_actions")
] + [AssetKey(["intermediate", "int_gong_calls"])]


@asset(
    key=MONTHLY_DIGESTS,
    deps=_INPUTS,
    partitions_def=MONTHLY_PARTITIONS,
    group_name="digests",
    pool=WRITER_POOL,
    kinds={"html", "markdown", "anthropic"},
    description="Monthly rep digests, manager digests and SLM notices: self-contained HTML (inline CSS, "
    "SVG charts) and Markdown in <output>/digests/YYYY-MM/ with a manifest; AI narrative when "
    "ANTHROPIC_API_KEY is set, else the deterministic template.",
)
def monthly_digests(context: AssetExecutionContext, warehouse: Warehouse, run: RunSettings) -> MaterializeResult:
    month = Month.of(context.partition_key)
    with warehouse.connect() as con:
        if not has_marts(con):
            raise Failure("the marts are not built yet: run the nightly job (dbt build) before the digests")
        result = render_month(con, month, run.output_dir)
    stats = result.narrative
    context.log.info(
        f"{month.key}: {len(result.documents)} files in {result.directory} ({result.seconds:.1f}s); "
        f"narrative {stats.ai} AI ({stats.cache_hits} cached), {stats.template} template"
    )
    return MaterializeResult(
        metadata={
            "month": month.key,
            "directory": MetadataValue.path(str(result.directory)),
            "manifest": MetadataValue.path(str(result.directory / "manifest.json")),
            "rep_digests": result.count("rep"),
            "manager_digests": result.count("manager"),
            "slm_notices": result.count("slm"),
            "files": len(result.documents),
            "render_seconds": round(result.seconds, 2),
            "narrative_ai": stats.ai,
            "narrative_template": stats.template,
            "narrative_fallback_reasons": MetadataValue.json(stats.fallback_reasons),
            "llm_model": stats.model if stats.enabled else "none (no ANTHROPIC_API_KEY)",
            "llm_api_requests": stats.api_requests,
            "llm_cache_hits": stats.cache_hits,
            "llm_input_tokens": stats.input_tokens,
            "llm_output_tokens": stats.output_tokens,
        }
    )
