"""Digest charts: matplotlib figures saved as SVG, embedded in the HTML documents, and as
PNG for the email variant (digests/email.py: the common mail clients do not render SVG).

Deterministic by construction, so re-rendering a month gives byte-identical files:
- the SVG and Agg backends are used through the object API (no pyplot, no global backend
  switch), on the same figure: the PNG shows exactly what the SVG shows;
- every setting that changes the output is fixed in `_RC` (hash salt of the SVG ids, the
  DejaVu Sans font bundled with matplotlib for the layout; text stays text, in that font
  with the viewer's sans-serif as fallback, which keeps each chart a few kB);
- the date and creator metadata are left out (the PNG's "Software" text chunk too, which
  names the matplotlib version);
- ids are prefixed per chart, so several charts in one page never share an id.

The charts never draw text from the CRM or calls: only metric names, numbers and dates.
Legends are HTML next to the chart (crisper on a phone, and cheaper to draw). Charts are
memoised per process by their inputs (`clear_cache`), since a re-render draws the same ones.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from dataclasses import dataclass

import matplotlib
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

_RC = {
    "svg.hashsalt": "coaching-digest",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "axes.edgecolor": "#cbd5e1",
    "axes.linewidth": 0.8,
    "axes.labelcolor": "#334155",
    "xtick.color": "#475569",
    "ytick.color": "#334155",
    "text.color": "#1e293b",
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "path.simplify": False,
    "text.hinting": "none",
    "text.antialiased": True,
}

# Colours shared with the CSS of the templates.
YOU = "#2563eb"
TOP = "#f59e0b"
TEAM = "#94a3b8"
LOW = "#dc2626"
OK = "#3b82f6"
GRID = "#e2e8f0"
LEVEL_COLORS = {
    "Expert": "#047857",
    "Proficient": "#22a06b",
    "Developing": "#eab308",
    "Needs Coaching": "#f97316",
    "Critical": "#dc2626",
}
NO_DATA = "#cbd5e1"
# Width of every chart: about 540 px on a desktop; scaled to a phone's width the text stays readable.
WIDTH_IN = 5.6
# A browser shows the SVG at 96 CSS px per inch (5.6 in: 538 px wide); the email shows the PNG
# at that width too (Chart.width). The PNG is drawn at 144 dpi, twice the figure's 72 (806 px
# wide): 1.5 device pixels per CSS pixel at full width, over 2 on a phone, where the chart
# shrinks to the screen's ~350 px, so its text stays sharp there. 192 dpi (2x at full width)
# drew the sample's charts 12% slower and 38% bigger, for a difference only a retina desktop shows.
CSS_DPI = 96
PNG_DPI = 144


@dataclass(frozen=True)
class Chart:
    """One chart: the SVG to embed in the HTML, the same figure as PNG (at PNG_DPI) for the
    email variant, and the sentence a reader without images gets."""

    svg: str
    alt: str
    png: bytes
    png_size: tuple[int, int]  # pixels, from the PNG's header
    width: int  # CSS px the PNG is shown at: the SVG's own width


def _to_png(fig: Figure) -> tuple[bytes, tuple[int, int]]:
    """The figure through the Agg canvas at PNG_DPI. The figure's white background is
    opaque in the PNG, so a mail client's dark mode never shows the dark text on dark."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
    data = buf.getvalue()
    # the IHDR chunk, right after the 8-byte signature: width and height, 4 bytes each
    return data, (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))


def _to_svg(fig: Figure, prefix: str, alt: str) -> Chart:
    """The chart of `fig` (drawn twice: SVG at the figure's 72 dpi, then PNG)."""
    FigureCanvasSVG(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    text = re.sub(r"<!--.*?-->\s*", "", text, flags=re.S)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    ids = set(re.findall(r'\sid="([^"]+)"', text))

    def prefixed(m: re.Match) -> str:
        return m.group(1) + prefix + "-" + m.group(2) if m.group(2) in ids else m.group(0)

    text = re.sub(r'(\sid="|href="#|url\(#)([^")]+)', prefixed, text)
    # Scale with the page: no fixed size, the viewBox keeps the aspect ratio.
    width = re.search(r'<svg[^>]*?\swidth="([\d.]+)pt"', text)
    max_width = f"max-width:{float(width.group(1)) * 4 / 3:.0f}px;" if width else ""
    text = re.sub(r'(<svg[^>]*?)\s(width|height)="[^"]*"', r"\1", text, count=1)
    text = re.sub(r'(<svg[^>]*?)\s(width|height)="[^"]*"', r"\1", text, count=1)
    safe_alt = alt.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    text = text.replace(
        "<svg ",
        f'<svg role="img" aria-label="{safe_alt}" style="display:block;width:100%;height:auto;{max_width}" ',
        1,
    )
    text = re.sub(r"(<svg[^>]*>)", lambda m: f"{m.group(1)}<title>{safe_alt}</title>", text, count=1)
    png, size = _to_png(fig)
    return Chart(svg=text.strip(), alt=alt, png=png, png_size=size, width=round(fig.get_figwidth() * CSS_DPI))


def _figure(width: float, height: float, left: float, right: float = 0.25, top: float = 0.15,
            bottom: float = 0.35) -> Figure:
    """A figure with fixed margins in inches (no tight bounding box: one draw, not two)."""
    fig = Figure(figsize=(width, height), dpi=72)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height)
    return fig


def _memo(fn):
    """Memoise a chart function on its (hashable) arguments."""
    cached = functools.lru_cache(maxsize=2048)(fn)
    _CACHES.append(cached)
    return functools.wraps(fn)(cached)


_CACHES: list = []


def clear_cache() -> None:
    for cached in _CACHES:
        cached.cache_clear()


def _clean_axes(ax, grid_axis: str = "x") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=grid_axis, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(length=0)


# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatternMetric:
    label: str
    you: float | None
    top: float | None
    unit: str  # 'count' | 'days' | 'share'
    lower_is_better: bool = False


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "days":
        return f"{value:.1f} days"
    return f"{value:.1f}"


@_memo
def pattern_vs_top(metrics: tuple[PatternMetric, ...], prefix: str = "pattern") -> Chart:
    """For each deal-pattern metric a pair of bars, the rep's value and the Top 25% value,
    each metric on its own scale (rates on 0-100%), the value written at the bar's end."""
    n = len(metrics)
    with matplotlib.rc_context(_RC):
        fig = _figure(WIDTH_IN, 1.1 * n + 0.1, left=0.95, right=0.1, top=0.3, bottom=0.05)
        ax = fig.subplots()
        ticks, labels = [], []
        for i, m in enumerate(metrics):
            base = (n - 1 - i) * 3.6
            known = [v for v in (m.you, m.top) if v is not None]
            scale = 1.0 if m.unit == "share" else (max(known) * 1.2 if known and max(known) > 0 else 1.0)
            for y, v, color, label in ((base + 0.55, m.you, YOU, "You"), (base - 0.55, m.top, TOP, "Top 25%")):
                ticks.append(y)
                labels.append(label)
                if v is None:
                    ax.text(0.01, y, "not enough data", va="center", fontsize=11, color="#64748b")
                    continue
                ax.barh(y, v / scale, height=0.95, color=color)
                ax.text(v / scale + 0.012, y, _fmt(v, m.unit), va="center", fontsize=11.5, fontweight="bold")
            ax.text(0, base + 1.3, m.label + ("  (lower is better)" if m.lower_is_better else ""),
                    fontsize=12, fontweight="bold", va="bottom", color="#0f172a")
        ax.set_yticks(ticks, labels, fontsize=11)
        ax.set_xticks([])
        ax.set_xlim(0, 1.3)
        ax.set_ylim(-1.2, (n - 1) * 3.6 + 2.0)
        ax.spines["left"].set_visible(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        parts = [f"{m.label}: you {_fmt(m.you, m.unit)}, Top 25% {_fmt(m.top, m.unit)}" for m in metrics]
        return _to_svg(fig, prefix, "Your deal pattern vs the Top 25%. " + "; ".join(parts) + ".")


@_memo
def activity_trend(days: tuple[tuple[dt.date, int, bool], ...], threshold: float, reference: float | None,
                   reference_label: str = "Top 25% daily average", prefix: str = "activity") -> Chart:
    """Selling activities per business day of the month; low days (below the threshold)
    in red, the threshold as a dashed red line, the Top 25% daily average as a dotted one."""
    with matplotlib.rc_context(_RC):
        fig = _figure(WIDTH_IN, 2.5, left=0.5, bottom=0.35, top=0.1)
        ax = fig.subplots()
        _clean_axes(ax, "y")
        if not days:
            ax.text(0.5, 0.5, "No activity recorded this month", transform=ax.transAxes, ha="center",
                    va="center", color="#64748b")
            ax.set_xticks([])
            ax.set_yticks([])
            return _to_svg(fig, prefix, "No activity recorded this month.")
        xs = list(range(len(days)))
        counts = [c for _, c, _ in days]
        ax.bar(xs, counts, color=[LOW if low else OK for _, _, low in days], width=0.72)
        for x, (_, c, low) in zip(xs, days, strict=True):
            if low and c == 0:
                ax.text(x, 0.1, "0", ha="center", va="bottom", fontsize=9, color=LOW)
        ax.axhline(threshold, color=LOW, linestyle=(0, (4, 3)), linewidth=1.1)
        if reference is not None:
            ax.axhline(reference, color=TOP, linestyle=(0, (1, 1.5)), linewidth=2)
        step = 1 if len(days) <= 12 else 2
        ax.set_xticks(xs[::step], [d.strftime("%-d") for d, _, _ in days][::step], fontsize=10)
        top = max([*counts, threshold, reference or 0]) * 1.15 + 0.5
        ax.set_ylim(0, top)
        ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins=4, integer=True))
        ax.set_xlim(-0.6, len(days) - 0.4)
        low_days = sum(1 for _, _, low in days if low)
        alt = (f"Activities per business day: {len(days)} business days, {low_days} low days below "
               f"{threshold:g} activities, {sum(counts) / len(days):.1f} per day on average"
               + (f" ({reference_label.lower()}: {reference:.1f})" if reference is not None else "") + ".")
        return _to_svg(fig, prefix, alt)


@dataclass(frozen=True)
class SkillBar:
    label: str
    score: float | None
    level: str | None
    previous: float | None = None


LEVEL_BANDS = ((0, 40, "Critical"), (40, 60, "Needs\ncoaching"), (60, 75, "Developing"),
               (75, 90, "Proficient"), (90, 100, "Expert"))


@_memo
def skill_profile(skills: tuple[SkillBar, ...], prefix: str = "skills") -> Chart:
    """One bar per skill coloured by its level, over the level bands; a dark tick marks
    last month's score."""
    n = len(skills)
    with matplotlib.rc_context(_RC):
        fig = _figure(WIDTH_IN, 0.4 * n + 0.5, left=1.75, right=0.15, top=0.08, bottom=0.3)
        ax = fig.subplots()
        # the level bands shaded behind the bars (their names are in the HTML legend)
        for i, (lo, hi, _) in enumerate(LEVEL_BANDS):
            ax.axvspan(lo, hi, color="#f1f5f9" if i % 2 == 0 else "#ffffff", zorder=0)
        for i, s in enumerate(skills):
            y = n - 1 - i
            if s.score is None:
                ax.text(1.5, y, "insufficient data", va="center", fontsize=10.5, color="#64748b")
                continue
            ax.barh(y, s.score, height=0.62, color=LEVEL_COLORS.get(s.level or "", NO_DATA), zorder=2)
            end = max(s.score, s.previous or 0)
            if end > 90:  # no room right of the bar: the value goes inside it, in white
                ax.text(s.score - 2.5, y, f"{s.score:.0f}", va="center", ha="right", fontsize=11,
                        fontweight="bold", color="white", zorder=5)
            else:
                ax.text(end + 1.5, y, f"{s.score:.0f}", va="center", fontsize=11, fontweight="bold", zorder=3)
            if s.previous is not None:
                ax.plot([s.previous, s.previous], [y - 0.4, y + 0.4], color="#0f172a", linewidth=2.2, zorder=4)
        ax.set_yticks(range(n - 1, -1, -1), [s.label for s in skills], fontsize=11.5)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xticks([0, 40, 60, 75, 90, 100], ["0", "40", "60", "75", "90", "100"], fontsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        parts = [f"{s.label} {'n/a' if s.score is None else f'{s.score:.0f}'}"
                 + (f" ({s.level})" if s.level else "") for s in skills]
        return _to_svg(fig, prefix, "Skill profile: " + ", ".join(parts) + ".")


@_memo
def team_distribution(rows: tuple[tuple[str, tuple[tuple[str, int], ...]], ...], team_size: int,
                      prefix: str = "team") -> Chart:
    """For each skill, how many of the team's sellers are at each level (stacked counts,
    never who)."""
    levels = [*LEVEL_COLORS, "no data"]
    n = len(rows)
    with matplotlib.rc_context(_RC):
        fig = _figure(WIDTH_IN, 0.42 * n + 0.6, left=1.75, right=0.15, top=0.1, bottom=0.45)
        ax = fig.subplots()
        _clean_axes(ax, "x")
        for i, (_, pairs) in enumerate(rows):
            counts = dict(pairs)
            y = n - 1 - i
            left = 0
            for level in levels:
                k = counts.get(level, 0)
                if not k:
                    continue
                ax.barh(y, k, left=left, height=0.64, color=LEVEL_COLORS.get(level, NO_DATA), edgecolor="white",
                        linewidth=1.2)
                ax.text(left + k / 2, y, str(k), ha="center", va="center", fontsize=10.5, fontweight="bold",
                        color="white" if level in ("Expert", "Proficient", "Critical") else "#1e293b")
                left += k
        ax.set_yticks(range(n - 1, -1, -1), [label for label, _ in rows], fontsize=11.5)
        ax.set_xlim(0, max(team_size, 1))
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=6, integer=True))
        ax.set_xlabel("sellers", fontsize=10.5, labelpad=2)
        parts = [label + ": " + ", ".join(f"{k} {lv}" for lv, k in pairs if k) for label, pairs in rows]
        return _to_svg(fig, prefix, "Team skill levels (sellers per level). " + "; ".join(parts) + ".")


@_memo
def attainment_distribution(buckets: tuple[tuple[str, int], ...], prefix: str = "attainment") -> Chart:
    """Sellers per attainment band this quarter (counts only)."""
    with matplotlib.rc_context(_RC):
        fig = _figure(WIDTH_IN, 2.1, left=0.5, bottom=0.4, top=0.1)
        ax = fig.subplots()
        _clean_axes(ax, "y")
        colors = [LOW, "#f97316", "#eab308", "#22a06b", NO_DATA][: len(buckets)]
        xs = list(range(len(buckets)))
        counts = [k for _, k in buckets]
        ax.bar(xs, counts, color=colors, width=0.62)
        for x, k in zip(xs, counts, strict=True):
            ax.text(x, k + 0.05, str(k), ha="center", va="bottom", fontsize=11, fontweight="bold")
        ax.set_xticks(xs, [label for label, _ in buckets], fontsize=10.5)
        ax.set_ylim(0, max([*counts, 1]) * 1.3)
        ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins=4, integer=True))
        return _to_svg(fig, prefix, "Sellers per attainment band: "
                       + ", ".join(f"{label} {k}" for label, k in buckets) + ".")


@_memo
def risk_quadrant(points: tuple[tuple[str, float, float], ...], healthy_min: float,
                  prefix: str = "quadrant") -> Chart:
    """Sellers as numbered dots: x = attainment relative to quota pace (1.0 = on pace), y = the
    mean health score of their open deals (0-100). A dashed line at 100% of pace and one at
    `healthy_min` cut the plane into four quadrants, named in their corners. Points carry a
    number, never a name (the names are in the HTML table beside the chart, keyed by it); a
    point beyond the x range (200%, or up to 250% when some seller is that far ahead) is drawn
    at its edge (the table has the exact value)."""
    def quadrant(x: float, y: float) -> tuple[str, str]:
        pace = "on pace" if x >= 1.0 else "behind pace"
        pipe = "healthy pipeline" if y >= healthy_min else "weak pipeline"
        return pace, pipe

    colors = {("behind pace", "weak pipeline"): LOW, ("behind pace", "healthy pipeline"): TOP,
              ("on pace", "weak pipeline"): TOP, ("on pace", "healthy pipeline"): "#22a06b"}
    with matplotlib.rc_context(_RC):
        fig = _figure(WIDTH_IN, 4.2, left=0.66, right=0.32, top=0.12, bottom=0.6)
        ax = fig.subplots()
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        xmax = max(2.0, min(2.5, max((x for _, x, _ in points), default=0) * 1.1))
        # a little room beyond 0 and 100, so a dot on an edge (0% attainment is common) shows whole
        ax.set_xlim(-0.04 * xmax, xmax)
        ax.set_ylim(-5, 105)
        ax.fill_between([0, 1.0], 0, healthy_min, color="#fef2f2", zorder=0, linewidth=0)
        ax.axvline(1.0, color="#64748b", linestyle=(0, (4, 3)), linewidth=1.1, zorder=1)
        ax.axhline(healthy_min, color="#64748b", linestyle=(0, (4, 3)), linewidth=1.1, zorder=1)
        inset = 0.06 * xmax  # clear of the dots drawn on the edges
        corners = ((inset, 3, "left", "bottom", "behind pace\nweak pipeline"),
                   (xmax - inset, 3, "right", "bottom", "on pace\nweak pipeline"),
                   (inset, 97, "left", "top", "behind pace\nhealthy pipeline"),
                   (xmax - inset, 97, "right", "top", "on pace\nhealthy pipeline"))
        for x, y, ha, va, text in corners:
            ax.text(x, y, text, ha=ha, va=va, fontsize=11, color="#475569", linespacing=1.1, zorder=1)
        counts: dict[tuple[str, str], int] = {}
        for label, x, y in points:
            key = quadrant(x, y)
            counts[key] = counts.get(key, 0) + 1
            shown = min(x, xmax)
            ax.scatter([shown], [y], s=380, color=colors[key], edgecolors="white", linewidths=1.2, zorder=3,
                       clip_on=False)
            ax.text(shown, y, label, ha="center", va="center", fontsize=11, fontweight="bold", color="white",
                    zorder=4, clip_on=False)
        ticks = [i * 0.5 for i in range(int(xmax / 0.5) + 1)]
        ax.set_xticks(ticks, [f"{t * 100:.0f}%" for t in ticks], fontsize=11.5)
        ax.set_yticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100"], fontsize=11.5)
        ax.set_xlabel("attainment relative to quota pace (100% = on pace)", fontsize=12, labelpad=3)
        ax.set_ylabel("mean open-deal health", fontsize=12, labelpad=3)
        parts = [f"{counts.get(key, 0)} {key[0]} with a {key[1]}" for key in colors]
        return _to_svg(fig, prefix, f"Risk quadrant of {len(points)} sellers: " + ", ".join(parts) + ".")


@_memo
def activity_mix(kinds: tuple[tuple[str, int], ...], prefix: str = "mix") -> Chart:
    """A period's selling activities by type (metric names and counts only): one bar per
    type with its count and its share of the period's total written at the bar's end."""
    n = len(kinds)
    total = sum(k for _, k in kinds)
    with matplotlib.rc_context(_RC):
        fig = _figure(WIDTH_IN, 0.42 * n + 0.35, left=1.15, right=0.15, top=0.1, bottom=0.1)
        ax = fig.subplots()
        widest = max([k for _, k in kinds] + [1])
        for i, (_, k) in enumerate(kinds):
            y = n - 1 - i
            if k:
                ax.barh(y, k / widest, height=0.62, color=YOU)
            share = f" ({k / total * 100:.0f}%)" if total else ""
            ax.text(k / widest + 0.015, y, f"{k}{share}", va="center", fontsize=11.5, fontweight="bold")
        ax.set_yticks(range(n - 1, -1, -1), [label for label, _ in kinds], fontsize=11.5)
        ax.set_xticks([])
        ax.set_xlim(0, 1.3)
        ax.set_ylim(-0.6, n - 0.4)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        alt = (f"Activities by type: {total} in all; " + ", ".join(f"{label.lower()} {k}" for label, k in kinds)
               + "." if total else "No activity recorded in the period.")
        return _to_svg(fig, prefix, alt)
