"""The numbers an AI narrative states, checked against the figures it was given.

A narrative can match the schema and still say "your win rate is 65%" when the facts say
50%. `unsupported_figures` lists every number of a text that no figure of the facts
supports; the narrator rejects a narrative with any (the template is used instead).

What counts as a number in the narrative: digits, optionally with a currency sign, thousands
separators and decimals, followed by a unit: `%` / `percent` (43% is 0.43), `k` / `thousand`,
`M` / `m` / `mn` / `million`, `bn` / `B` / `billion`, or a suffix that does not change the
value (`x`, `s`, `h`, `d`, `pt(s)`, ordinals: 6th). The sign is dropped (words usually carry
it: "down 9 points" for "-9"). Not numbers: digits inside a word or an id (Q4, B2B, AI-7f3a)
and numbers spelled out ("one to three actions", "two calls"), so the model may count in
words freely.

A number is supported by a figure of the facts (every number in every string or numeric
value, keys aside) when:
- the figure, in base units and rounded to the precision the narrative shows, equals it:
  0.434 or "43.4%" support "43%"; "30k" supports "$30,000" but not "$30,400"; "1.25M"
  supports "$1.3M"; a ratio 0.43 supports "43%", a score 43 does not;
- or it has no unit and equals the figure's number as written, rounded alike: "53%"
  supports "a talk ratio of 53", "30k" supports "30".
A range's unit applies to both ends ("40-50%", "40 to 50%"). Also supported: the figures of
`also` (the system prompt: "Top 25%", "80 or more") and ALWAYS_ALLOWED (1, for "1:1" and
"1 deal" phrasing). Anything else is unsupported, derived numbers included: a gap of 26
points between 42% and 68% is a figure the facts do not state. A date is checked through
its numbers as the facts write them (day and year).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ALWAYS_ALLOWED = "1"

_NUMBER = re.compile(r"""
    (?<![A-Za-z0-9_.])                       # not the tail of a word, an id or another number
    [$€£]?
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
    (?:
        \s?(?P<pct>%|percent\b|per\s?cent\b)
      | (?P<mult>k|K|mn|M|m|bn|B)(?![A-Za-z0-9])
      | \s(?P<word>thousand|million|billion)\b
      | (?:x|s|h|d|pts?|st|nd|rd|th)(?![A-Za-z0-9])
    )?
    (?![A-Za-z0-9_])
""", re.VERBOSE)
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|to)\s*")
# the power of ten each unit multiplies by
_SCALE = {"%": -2, "k": 3, "K": 3, "thousand": 3, "m": 6, "M": 6, "mn": 6, "million": 6,
          "B": 9, "bn": 9, "billion": 9}


@dataclass(frozen=True)
class Figure:
    text: str        # as written
    shown: Decimal   # the number as written, without sign or separators ("1,234.5" -> 1234.5)
    value: Decimal   # in base units: "43%" -> 0.43, "50k" -> 50000
    step: Decimal    # the precision of `value` as written: "43%" -> 0.01, "50k" -> 1000
    unit: str        # a key of _SCALE, or "" when the unit does not scale the value


def _figure(text: str, num: str, unit: str) -> Figure:
    shown = Decimal(num.replace(",", ""))
    scale = _SCALE.get(unit, 0)
    step = Decimal((0, (1,), shown.as_tuple().exponent + scale))
    return Figure(text, shown, shown.scaleb(scale), step, unit if scale else "")


def figures_in(text: str) -> list[Figure]:
    """The numbers of `text`, in order (see the module's docstring for what counts)."""
    found: list[tuple[re.Match, str]] = []
    for m in _NUMBER.finditer(text):
        unit = "%" if m["pct"] else (m["mult"] or m["word"] or "")
        found.append((m, unit))
    # "40-50%": the first end takes the second's unit
    for i in range(len(found) - 1, 0, -1):
        (prev, prev_unit), (cur, cur_unit) = found[i - 1], found[i]
        if not prev_unit and cur_unit and _RANGE_GAP.fullmatch(text, prev.end(), cur.start()):
            found[i - 1] = (prev, cur_unit)
    return [_figure(m.group(0).strip(), m["num"], unit) for m, unit in found]


def figures_of(value: Any) -> list[Figure]:
    """Every number in a JSON-like value: strings parsed as text, numbers taken as they are
    (booleans are not numbers); dict keys are names, not figures."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):  # nothing a narrative can match
            return []
        return [_figure(repr(value), str(abs(Decimal(repr(value)))), "")]
    if isinstance(value, str):
        return figures_in(value)
    if isinstance(value, dict):
        return [f for v in value.values() for f in figures_of(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in figures_of(v)]
    return figures_in(str(value))


def _rounds_to(exact: Decimal, step: Decimal, target: Decimal) -> bool:
    try:
        return any(exact.quantize(step, rounding=r) == target for r in (ROUND_HALF_UP, ROUND_HALF_EVEN))
    except InvalidOperation:  # more digits than the context holds: not a match
        return False


def supports(fact: Figure, stated: Figure) -> bool:
    """Whether `fact` (from the facts) supports the number `stated` (from the narrative)."""
    if _rounds_to(fact.value, stated.step, stated.value):
        return True
    return not stated.unit and _rounds_to(fact.shown, Decimal((0, (1,), stated.shown.as_tuple().exponent)),
                                          stated.shown)


def unsupported_figures(texts: Iterable[str], facts: Any, *, also: str = "") -> list[str]:
    """The numbers stated in `texts`, as written, that no figure of `facts` (nor of `also`,
    nor ALWAYS_ALLOWED) supports; empty when every number is backed by the facts."""
    known = figures_of(facts) + figures_in(also) + figures_in(ALWAYS_ALLOWED)
    return [stated.text for text in texts for stated in figures_in(text)
            if not any(supports(fact, stated) for fact in known)]
