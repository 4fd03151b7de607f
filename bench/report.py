"""What `make bench` prints: the stage table with its floors, ratios and targets, the
workbench latencies, and the coaching signal against the ground truth (`coaching eval`)."""

from __future__ import annotations

from pathlib import Path

from coaching_pipeline.coaching.eval_report import report, run_eval

from .workbench_latency import workbench_table


def fmt_int(n) -> str:
    return f"{int(n):,}" if n is not None else "-"


def signal_figures(landing: Path, warehouse: Path, echo) -> dict | None:
    """`coaching eval` on the bench warehouse after the coaching stage (no writer runs then):
    precision and recall against the ground truth beside the cached landing zone."""
    from coaching_pipeline.config import settings

    try:
        figures = run_eval(landing, warehouse, settings().coaching)
    except (OSError, ValueError) as exc:  # a landing zone given with --landing may have no truth
        echo(f"- coaching signal: not evaluated ({exc})")
        return None
    for line in report(figures):
        echo(f"  {line}")
    return figures


def table(results: dict) -> str:
    stages, floors, ratios = results["stages"], results["floors"], results["ratios"]
    coaching = stages.get("coaching") or {}
    weeks = (coaching.get("detail") or {}).get("weeks")
    labels = {
        "ingestion": "ingestion",
        "dbt_build": "dbt build (+tests)",
        "flags_publish": "flags + publish",
        "coaching": f"coaching ({weeks} weeks)" if weeks else "coaching",
        "digests": f"digests ({results['digest_month'][:7]})",
        "workbench": "workbench (HTTP)",
        "incremental_nightly": "incremental nightly",
    }
    floor_of = {"ingestion": ("ingestion_floor_s", "ingestion_vs_floor"), "dbt_build": ("dbt_floor_s", "dbt_vs_floor"),
                "incremental_nightly": (None, "incremental_vs_full")}
    lines = [f"Scale {results['scale']} as of {results['as_of']} on {results['machine']['cpu_count']} CPUs, "
             f"{results['machine']['ram_gb']} GB RAM",
             f"{'stage':<22}{'seconds':>9}{'rows':>13}{'rows/s':>11}{'peak MB':>9}{'floor s':>9}{'ratio':>8}"
             f"{'cpu ratio':>11}"]
    for key, label in labels.items():
        s = stages.get(key)
        if not s:
            lines.append(f"{label:<22}{'not run':>9}")
            continue
        floor_key, ratio_key = floor_of.get(key, (None, None))
        floor = floors.get(floor_key) if floor_key else (results["full_nightly_s"] if ratio_key else None)
        ratio = ratios.get(ratio_key) if ratio_key else None
        cpu_ratio = ratios["cpu"].get(ratio_key) if ratio_key else None
        lines.append(
            f"{label:<22}{s['seconds'] if s['seconds'] is not None else float('nan'):>9.1f}{fmt_int(s['rows']):>13}"
            f"{fmt_int(s['rows_per_s']):>11}{s['peak_rss_mb']:>9,.0f}"
            f"{(f'{floor:.1f}' if floor else '-'):>9}{(f'{ratio:.2f}x' if ratio else '-'):>8}"
            f"{(f'{cpu_ratio:.2f}x' if cpu_ratio else '-'):>11}"
            + ("" if s["success"] else "  FAILED"))
    lines.append(f"full nightly (first run: ingestion + dbt build + flags/publish) = {results['full_nightly_s']} s, "
                 "the incremental run's denominator")
    lines += workbench_table(results.get("workbench") or {})
    if results.get("signal"):
        lines += report(results["signal"])
    lines.append("targets:")
    for name, c in results["targets"].items():
        lines.append(f"  {name:<22}{str(c['value']):>10}  {c['target']:<22}{'PASS' if c['pass'] else 'FAIL'}")
    return "\n".join(lines)
