"""python -m coaching_sample_generator: the same flags and output as `coaching generate`, for
writing a landing zone without the product installed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from . import generate_landing_zone


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _month(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise argparse.ArgumentTypeError(f"{value!r} is not a month (1-12)")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coaching_sample_generator",
                                     description="Write a synthetic landing zone (landing-zone contract).")
    parser.add_argument("--out", required=True, type=Path, help="Landing-zone folder to write.")
    parser.add_argument("--scale", type=str.upper, choices=["S", "M", "L"], default="S", help="(default: S)")
    parser.add_argument("--seed", type=int, default=42, help="(default: 42)")
    parser.add_argument("--as-of", type=_date, help="Last date of the data (default: today, UTC).")
    parser.add_argument("--fiscal-year-start-month", type=_month, default=1,
                        help="First month of the org's fiscal year (default: 1).")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is not a directory")
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    started = time.perf_counter()
    summary = generate_landing_zone(args.out, scale=args.scale, seed=args.seed, as_of=as_of,
                                    progress=args.scale != "S", fiscal_year_start_month=args.fiscal_year_start_month)
    print(f"Wrote a scale-{args.scale} landing zone as of {as_of} to {args.out} in "
          f"{time.perf_counter() - started:.1f}s")
    for name, count in sorted(summary["rows"].items()):
        print(f"  {name:<28} {count:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
