"""The first step of the nightly and weekly runs: apply what managers decided in the
workbench (or with `coaching approvals` / `coaching escalate`) since the last run, from the
decisions store to coaching_log and escalations, each exactly once (workbench/store/apply.py).
The daily flags and the weekly coaching log depend on it, so they see today's decisions. The
store is opened here, at step time (COACHING_DATABASE_URL, else the default SQLite file)."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from ..resources import WRITER_POOL, Warehouse

APPLIED_DECISIONS = AssetKey(["coaching", "applied_decisions"])


@asset(
    key=APPLIED_DECISIONS,
    group_name="coaching",
    pool=WRITER_POOL,
    kinds={"duckdb", "sqlalchemy"},
    # After the landing step in the nightly run: a warehouse held by another process then
    # fails the run once, at that step, and this one never starts (outside the nightly job
    # the landing step is not selected and this runs first).
    deps=[AssetKey(["landing", "extract_files"])],
    description="Managers' decisions, escalation requests and next-best-action outcomes from the decisions "
    "store applied to the coaching log, each exactly once (coaching.applied_decisions lists them).",
)
def applied_decisions(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    from ..workbench.store import apply_pending, open_store
    from ..workbench.store.engine import store_exists

    if not store_exists():
        context.log.info("no decisions store yet (data/app/decisions.sqlite): nothing to apply")
        return MaterializeResult(metadata={"decisions_applied": 0, "escalations_applied": 0, "store": "none"})
    store = open_store()
    try:
        with warehouse.connect() as con:
            summary = apply_pending(store, con)
    finally:
        store.close()
    context.log.info(summary.line())
    for skipped in summary.skipped:
        context.log.warning(f"not applied: {skipped}")
    return MaterializeResult(metadata={
        "store": store.url, "decisions_applied": summary.decisions, "escalations_applied": summary.escalations,
        "skipped": len(summary.skipped), "action_outcomes": summary.outcomes_copied,
        "store_rows_marked": summary.marked,
    })
