"""Currencies of the multi-currency org: the corporate currency (USD), the sellers' local
currencies with static rates (CurrencyType), the monthly dated rates of EUR and GBP
(DatedConversionRate, advanced currency management) and the exact conversion of the
planted USD values into each deal's and quota's currency.

Salesforce's convention: ConversionRate is units of the currency per ONE unit of the
corporate currency, so corporate = amount / rate. Rates carry at most 6 decimals and are
held here as integers in millionths; amounts are converted in integers (USD cents x rate
millionths) and rounded half-up once to the currency's DecimalPlaces, so the written text is
exact plain decimal (never a float, never scientific notation).

Dated ranges are chained as Salesforce writes them: the first starts 0001-01-01, each
NextStartDate is the next range's StartDate, the last ends 9999-12-31. One range per month of
the generated span (the first range, 0001-01-01 to the span start, holds the static rate; the
last one, from the month of as_of on, is open-ended). Month to month a dated rate moves by
2.5-6%, so converting at the wrong month's rate gives a visibly different corporate amount.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .common import Calendar, int_text, rng_for

CORPORATE = "USD"
CODES = ("USD", "EUR", "GBP", "JPY", "SGD")
CODE_INDEX = {c: i for i, c in enumerate(CODES)}
USD, EUR, GBP, JPY, SGD = range(len(CODES))
# static CurrencyType rates (millionths of a unit per 1 USD) and DecimalPlaces
STATIC_MICRO = np.array([1_000_000, 871_200, 754_100, 149_850_000, 1_312_700], np.int64)
DECIMALS = np.array([2, 2, 2, 0, 2], np.int64)
DATED = (EUR, GBP)  # codes with monthly DatedConversionRate rows
# The local currency of a seller follows the team's zone (everyone else deals in USD).
ZONE_CURRENCY = {"Europe/Berlin": "EUR", "Europe/London": "GBP", "Asia/Tokyo": "JPY", "Asia/Singapore": "SGD"}
# A currency code with no CurrencyType row (suspicious but legal deals, see messiness.py).
UNKNOWN_CURRENCY = "CHF"
SENTINEL_START = "0001-01-01"
SENTINEL_END = "9999-12-31"


@dataclass
class Fx:
    month_starts: np.ndarray  # day numbers where the dated ranges start (span start, each month)
    dated: dict  # code index -> millionths per month (aligned with month_starts)

    def rate(self, code, day) -> np.ndarray:
        """The rate (millionths per 1 USD) valid on day: the dated range containing it for
        EUR/GBP (before the span: the first, open-started range at the static rate), else the
        static CurrencyType rate."""
        code = np.asarray(code, np.int64)
        day = np.asarray(day, np.int64)
        out = STATIC_MICRO[code].copy()
        pos = np.searchsorted(self.month_starts, day, side="right") - 1
        for c, monthly in self.dated.items():
            sel = (code == c) & (pos >= 0)
            out[sel] = monthly[pos[sel]]
        return out

    def minor_units(self, usd_cents, code, day) -> np.ndarray:
        """usd_cents converted at the rate valid on day, in the currency's minor units
        (cents, or whole yen), rounded half-up."""
        code = np.asarray(code, np.int64)
        prod = np.asarray(usd_cents, np.int64) * self.rate(code, day)  # 10^-8 currency units
        div = 10 ** (8 - DECIMALS[code])
        q, r = np.divmod(prod, div)
        return q + (2 * r >= div)

    def amount_text(self, usd, code, day) -> pl.Series:
        """Text of the planted USD values (whole dollars) in each row's currency: USD as
        today (whole number), others converted at the rate valid on day."""
        usd = np.round(np.asarray(usd, np.float64)).astype(np.int64)
        code = np.asarray(code, np.int64)
        local = code != USD
        if not local.any():
            return int_text(usd)
        out = int_text(usd)
        idx = np.flatnonzero(local)
        txt = money_text(self.minor_units(usd[idx] * 100, code[idx], day if np.ndim(day) == 0
                                          else np.asarray(day, np.int64)[idx]), DECIMALS[code[idx]])
        return out.scatter(idx, txt)


def money_text(minor, decimals) -> pl.Series:
    """Minor units as plain decimal text with `decimals` places (0 or 2)."""
    minor = np.asarray(minor, np.int64)
    decimals = np.broadcast_to(np.asarray(decimals, np.int64), minor.shape)
    whole = np.where(decimals == 2, minor // 100, minor)
    cents = pl.Series(minor % 100).cast(pl.Utf8).str.zfill(2)
    two = pl.select(pl.concat_str([pl.lit(int_text(whole)), pl.lit("."), pl.lit(cents)])).to_series()
    return pl.Series(np.where(decimals == 2, two.to_numpy(), int_text(whole).to_numpy()), dtype=pl.Utf8)


def rate_text(micro) -> list[str]:
    """Millionths as plain decimal text without trailing zeros (1, 0.8712, 149.85)."""
    out = []
    for m in np.asarray(micro, np.int64).tolist():
        whole, frac = divmod(m, 1_000_000)
        out.append(f"{whole}.{frac:06d}".rstrip("0").rstrip("."))
    return out


def build_fx(cal: Calendar, seed: int) -> Fx:
    """Monthly EUR and GBP rates across the span: a walk from the static rate with steps of
    2.5-6% a month (pulled back when it drifts more than 5% from the static rate)."""
    rng = rng_for(seed, "fx")
    starts = np.array([m.start_day for m in sorted(cal.months, key=lambda p: p.start)], np.int64)
    dated = {}
    for c in DATED:
        base = float(STATIC_MICRO[c])
        r = base
        monthly = []
        for _ in range(len(starts)):
            step = rng.uniform(0.025, 0.06)
            sign = -1.0 if r > base * 1.05 else 1.0 if r < base * 0.95 else (1.0 if rng.random() < 0.5 else -1.0)
            r = r * (1.0 + sign * step)
            monthly.append(int(round(r)))
        dated[c] = np.array(monthly, np.int64)
    return Fx(month_starts=starts, dated=dated)
