"""Charts following the Government Analysis Function's guidance, set in one place.

- Colours from the AF categorical palette (the ``afcharts`` package), at most four per chart;
  colour is never the only cue: lines carry markers and direct labels, bars their values.
- Text at least 12 px at 100% zoom: figures are drawn at 72 points per inch and shown at their
  natural size, so 10 pt (13.3 px) is the smallest text on any chart.
- The headline title and subtitle go in the HTML, not in the image (`figure_html`).
- SVG output is deterministic: fixed ``svg.hashsalt``, no date or creator metadata, text kept
  as text (``svg.fonttype = none``).
- Alt text and caption are generated from the released data (`describe_series`), the same way
  headlines are; `describe` attaches them to the figure for `OutputWriter.figure`.
"""

from __future__ import annotations

import base64
import html
import io
import re
import weakref
from collections.abc import Sequence, Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer
    from matplotlib.figure import Figure


def _af_palette() -> list[str]:
    from afcharts.af_colours import get_af_colours

    return list(get_af_colours("categorical", number_of_colours=6))


PALETTE = _af_palette()
"""The Analysis Function's categorical palette (dark blue, turquoise, dark pink, orange, dark
grey, light purple), from ``afcharts``; the guidance's order keeps adjacent colours distinct."""
MAX_COLOURS = 4
"""At most four colours on one chart (AF guidance: more cannot be told apart reliably)."""
MARKERS = ("o", "s", "^", "D")
LINESTYLES = ("-", "--", "-.", ":")
HATCHES = ("", "//", "..", "xx")
MIN_FONT_PT = 10
"""Smallest text on a chart: 10 pt = 13.3 px at 100% zoom (the guidance asks for >= 12 px)."""
LABEL_PT = MIN_FONT_PT + 1
"""Size of direct labels, tick labels and legends."""
MAX_WIDTH_IN = 10.5
"""Widest chart: a report's column is 66 rem (1,056 px = 11 in at 96 px per inch); wider SVGs
would be scaled down and their text drawn below 12 px."""
SVG_HASHSALT = "nps-analysis"


class ChartError(ValueError):
    """A chart would break the guidance (too many colours, no description)."""


@dataclass(frozen=True)
class ChartDescription:
    """What the HTML shows around a chart: headline title, subtitle, alt text and caption."""

    title: str
    subtitle: str
    alt: str
    caption: str


_DESCRIPTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def apply_theme() -> None:
    """A deterministic AF theme: Agg backend, fixed fonts no smaller than `MIN_FONT_PT`."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE[:MAX_COLOURS], font="DejaVu Sans")
    matplotlib.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (8, 4.5),
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 11,
            "xtick.labelsize": MIN_FONT_PT + 1,
            "ytick.labelsize": MIN_FONT_PT + 1,
            "legend.fontsize": MIN_FONT_PT + 1,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid.axis": "y",
            "grid.color": "#d9d9d9",
            "text.color": "#0b0c0c",
            "axes.labelcolor": "#0b0c0c",
            "xtick.color": "#0b0c0c",
            "ytick.color": "#0b0c0c",
            "svg.hashsalt": SVG_HASHSALT,
            "svg.fonttype": "none",
        }
    )


def new_figure(width: float = 8, height: float = 4.5) -> tuple[Figure, Axes]:
    """A themed figure and axes."""
    import matplotlib.pyplot as plt

    apply_theme()
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def colours(n: int) -> list[str]:
    """The first `n` AF colours; more than `MAX_COLOURS` is an error (split the chart)."""
    if n > MAX_COLOURS:
        raise ChartError(
            f"{n} colours on one chart: the Analysis Function allows at most {MAX_COLOURS}; "
            "split it into small multiples or group the smaller categories"
        )
    return PALETTE[:n]


def _number(value: float, dp: int) -> str:
    from nps_analysis.rounding import round_decimal

    return f"{round_decimal(value, dp):,.{dp}f}"


def describe_series(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    series: str | None = None,
    what: str,
    unit: str = "",
    dp: int = 0,
    kind: str = "Chart",
) -> str:
    """Alt text from the data: for each series, first and last values, highest and lowest.

    ``what`` names the measure (e.g. "ASGSF funded packages, Eastern"); suppressed or missing
    values are left out and counted.
    """
    import pandas as pd

    values = pd.to_numeric(frame[y], errors="coerce")
    shown = frame.assign(_v=values).dropna(subset=["_v"])
    omitted = len(frame) - len(shown)
    groups = [(None, shown)] if series is None else list(shown.groupby(series, sort=False))
    parts = []
    for name, group in groups:
        if group.empty:
            continue
        first, last = group.iloc[0], group.iloc[-1]
        top, low = group.loc[group["_v"].idxmax()], group.loc[group["_v"].idxmin()]
        lead = f"{name}: " if name is not None else ""
        parts.append(
            f"{lead}{_number(first['_v'], dp)}{unit} in {first[x]} to {_number(last['_v'], dp)}"
            f"{unit} in {last[x]}; highest {_number(top['_v'], dp)}{unit} ({top[x]}), lowest "
            f"{_number(low['_v'], dp)}{unit} ({low[x]})"
        )
    text = f"{kind} of {what}, by {x.replace('_', ' ')}. " + ". ".join(parts) + "."
    if omitted:
        text += f" {omitted} value(s) not shown (suppressed or not available)."
    return text


def describe(fig: Figure, *, title: str, subtitle: str, alt: str, caption: str) -> Figure:
    """Attach the headline title, subtitle, alt text and caption `OutputWriter.figure` shows."""
    if not alt.strip() or alt.strip().lower().startswith("no description"):
        raise ChartError("a chart needs alt text generated from its data")
    _DESCRIPTIONS[fig] = ChartDescription(title, subtitle, alt, caption)
    return fig


def description_of(fig: Figure) -> ChartDescription:
    """The description attached by `describe` (ChartError when there is none)."""
    try:
        return _DESCRIPTIONS[fig]
    except KeyError:
        raise ChartError(
            "this figure has no description: draw it with nps_analysis.plotting (bar_chart, "
            "line_chart) or call plotting.describe(fig, title=..., subtitle=..., alt=..., "
            "caption=...)"
        ) from None


def _direct_label(ax: Axes, x: object, y: float, text: str, colour: str) -> None:
    ax.annotate(
        text,
        (x, y),
        xytext=(6, 0),
        textcoords="offset points",
        va="center",
        fontsize=LABEL_PT,
        color=colour,
        fontweight="bold",
    )


direct_label = _direct_label


def segment_labels(ax: Axes, bars: BarContainer, labels: Sequence[str], colour: str) -> None:
    """Labels in the middle of stacked segments, on a solid box of the segment's colour so they
    stay readable over hatching."""
    for text in ax.bar_label(
        bars, labels=labels, label_type="center", fontsize=LABEL_PT, fontweight="bold"
    ):
        dark = colour.lower() not in ("white", "#ffffff")
        text.set_color("white" if dark else "#0b0c0c")
        if text.get_text():
            text.set_bbox({"facecolor": colour, "edgecolor": "none", "pad": 1.5})


def thousands(ax: Axes, axis: str = "y") -> None:
    """Axis numbers with thousands separators (15,000, not 15000)."""
    from matplotlib.ticker import FuncFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(
        FuncFormatter(lambda v, _: f"{v:,.0f}" if v == int(v) else f"{v:,g}")
    )


def not_shown(count: int, what: str = "value") -> str:
    """`` 2 values are not shown: suppressed by disclosure control [c] or not available.``
    (empty when none is missing), for captions."""
    if not count:
        return ""
    noun = what if count == 1 else f"{what}s"
    verb = "is" if count == 1 else "are"
    return (
        f" {count} {noun} {verb} not shown: suppressed by disclosure control [c] or not available."
    )


def change_phrase(first: float, last: float, dp: int = 0, unit: str = "") -> str:
    """``rose from 527 to 1,650`` / ``fell from ...`` / ``was 527 in both years``."""
    a, b = _number(first, dp), _number(last, dp)
    if a == b:
        return f"stayed at {a}{unit}"
    return f"{'rose' if last > first else 'fell'} from {a}{unit} to {b}{unit}"


def line_chart(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    series: str | None = None,
    title: str,
    subtitle: str,
    what: str,
    ylabel: str,
    source: str,
    unit: str = "",
    dp: int = 0,
) -> Figure:
    """A line chart of released data: markers and line styles per series, labels at line ends
    (no legend to decode), y axis from zero, described for its alt text and caption."""
    import pandas as pd

    data = frame.assign(_v=pd.to_numeric(frame[y], errors="coerce"))
    groups = [(what, data)] if series is None else list(data.groupby(series, sort=False))
    fig, ax = new_figure()
    for i, ((name, group), colour) in enumerate(zip(groups, colours(len(groups)), strict=True)):
        ax.plot(
            group[x].astype(str),
            group["_v"],
            color=colour,
            marker=MARKERS[i],
            linestyle=LINESTYLES[i],
            linewidth=2,
            markersize=6,
        )
        last = group.dropna(subset=["_v"]).iloc[-1]
        label = (
            f"{name}: {_number(last['_v'], dp)}{unit}" if series else _number(last["_v"], dp) + unit
        )
        _direct_label(ax, str(last[x]), float(last["_v"]), label, colour)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(x.replace("_", " ").capitalize())
    ax.set_ylim(bottom=0)
    ax.margins(x=0.15)
    alt = describe_series(
        frame, x, y, series=series, what=what, unit=unit, dp=dp, kind="Line chart"
    )
    return describe(fig, title=title, subtitle=subtitle, alt=alt, caption=f"Source: {source}")


def bar_chart(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    subtitle: str,
    what: str,
    ylabel: str,
    source: str,
    unit: str = "",
    dp: int = 0,
) -> Figure:
    """A single-colour bar chart with each bar's value written on it (no colour coding)."""
    import pandas as pd

    data = frame.assign(_v=pd.to_numeric(frame[y], errors="coerce")).dropna(subset=["_v"])
    fig, ax = new_figure()
    bars = ax.bar(data[x].astype(str), data["_v"], color=colours(1)[0])
    ax.bar_label(
        bars,
        labels=[_number(v, dp) + unit for v in data["_v"]],
        padding=3,
        fontsize=MIN_FONT_PT + 1,
    )
    ax.set_ylabel(ylabel)
    ax.set_xlabel(x.replace("_", " ").capitalize())
    alt = describe_series(frame, x, y, what=what, unit=unit, dp=dp, kind="Bar chart")
    return describe(fig, title=title, subtitle=subtitle, alt=alt, caption=f"Source: {source}")


def _series_text(xs: Sequence[object], ys: Sequence[float], dp: int | None) -> str:
    pairs = [(x, y) for x, y in zip(xs, ys, strict=False) if y == y]
    if dp is None:  # whole numbers as such, else one decimal place
        dp = 0 if all(float(y).is_integer() for _, y in pairs) else 1
    if not pairs:
        return "no values"
    (x0, y0), (x1, y1) = pairs[0], pairs[-1]
    top = max(pairs, key=lambda p: p[1])
    low = min(pairs, key=lambda p: p[1])
    return (
        f"{_number(y0, dp)} at {x0} to {_number(y1, dp)} at {x1}; highest {_number(top[1], dp)} "
        f"({top[0]}), lowest {_number(low[1], dp)} ({low[0]})"
    )


def _tick_names(ax: Axes, values: Sequence[float]) -> list[object]:
    """Category names for plotted x positions (tick labels), else the numbers themselves."""
    ticks = {
        round(float(t), 6): label.get_text()
        for t, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=False)
    }
    return [
        ticks.get(round(float(v), 6)) or _number(float(v), 0 if float(v).is_integer() else 2)
        for v in values
    ]


def _floats(values: Sequence[Any]) -> list[float] | None:
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return None


def describe_figure(
    fig: Figure, dp: int | None = None, *, take_titles: bool = True
) -> ChartDescription:
    """A description read from what the figure plots (for charts not drawn by `line_chart` or
    `bar_chart`): the axes' title as headline, the y label as subtitle, and for every line or
    set of bars its first, last, highest and lowest values as alt text. Colour-coded images
    (heatmaps) are said to be so: such charts should be replaced by a table or labelled bars.
    With `take_titles`, the axes' titles are removed from the image: the HTML shows them.
    ``dp=None`` writes whole numbers as such and other values to one decimal place."""
    from matplotlib.collections import QuadMesh
    from matplotlib.container import BarContainer
    from matplotlib.image import AxesImage

    titles, parts = [], []
    for ax in fig.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        what = ax.get_ylabel() or "values"
        title = ax.get_title("left") or ax.get_title() or ax.get_title("right")
        if title:
            titles.append(title)
        xlabel = ax.get_xlabel() or "category"
        for container in ax.containers:
            if isinstance(container, BarContainer):
                bar_names = _tick_names(ax, [b.get_x() + b.get_width() / 2 for b in container])
                heights = [b.get_height() for b in container]
                label = container.get_label()
                lead = f"{label}: " if label and not label.startswith("_") else ""
                parts.append(
                    f"Bars of {what} by {xlabel}, {lead}{_series_text(bar_names, heights, dp)}"
                )
        for line in ax.get_lines():
            # matplotlib types the data as ArrayLike; a Line2D's data is always a sequence
            xs = list(cast("Sequence[Any]", line.get_xdata()))
            ys = list(cast("Sequence[Any]", line.get_ydata()))
            if line.get_linestyle() == "None" and line.get_marker() in ("|", "_"):
                continue  # the caps of error bars
            if len(xs) < 2 or len(set(map(str, ys))) <= 1:  # reference lines, single points
                continue
            series = line.get_label()
            lead = (
                f"{series}: "
                if isinstance(series, str) and series and not series.startswith("_")
                else ""
            )
            numbers = _floats(ys)
            if numbers is None:  # categories on the y axis (a dot plot): read along x
                values = _floats(xs)
                if values is None:
                    continue
                parts.append(
                    f"Points of {ax.get_xlabel() or 'values'} by {what}, "
                    f"{lead}{_series_text(ys, values, dp)}"
                )
                continue
            numeric_x = all(isinstance(v, int | float) for v in xs)
            names = _tick_names(ax, xs) if numeric_x else xs
            parts.append(f"Line of {what} by {xlabel}, {lead}{_series_text(names, numbers, dp)}")
        if any(isinstance(c, QuadMesh) for c in ax.collections) or any(
            isinstance(i, AxesImage) for i in ax.images
        ):
            parts.append(
                f"Colour-coded grid of {what} by {xlabel}; the values are in the table of the same name"
            )
        if not parts and ax.collections:
            count = sum(
                len(cast(Sized, c.get_offsets()))  # typed ArrayLike; always an array of points
                for c in ax.collections
                if hasattr(c, "get_offsets")
            )
            parts.append(f"{count} points of {what} against {xlabel}")
    title = titles[0] if titles else (fig.get_suptitle() or "Chart")
    if take_titles:
        locs: tuple[Literal["left", "center", "right"], ...] = ("left", "center", "right")
        for ax in fig.axes:
            for loc in locs:
                ax.set_title("", loc=loc)
    alt = f"{title}. " + ". ".join(parts) + "." if parts else f"{title}."
    return ChartDescription(
        title=title, subtitle=fig.axes[0].get_ylabel() if fig.axes else "", alt=alt, caption=""
    )


def release_description(fig: Figure) -> ChartDescription:
    """What `OutputWriter.figure` shows with a chart: the description attached by `describe`
    (`line_chart`, `bar_chart` and the analysis charts), else one read from the plotted values by
    `describe_figure` when that is honest: the figure has a title and its bars or lines are read
    value by value. Colour-coded grids (heatmaps), scatter plots and untitled figures have no
    such description: ChartError (describe them, or show the table instead)."""
    try:
        return description_of(fig)
    except ChartError:
        pass
    from matplotlib.collections import QuadMesh
    from matplotlib.image import AxesImage

    for ax in fig.axes:
        if (
            ax.images
            and any(isinstance(i, AxesImage) for i in ax.images)
            or any(isinstance(c, QuadMesh) for c in ax.collections)
        ):
            raise ChartError(
                "a colour-coded grid (heatmap) carries its meaning by colour alone: show the "
                "table, or draw labelled bars and describe them with plotting.describe"
            )
    titled = any(ax.get_title("left") or ax.get_title() for ax in fig.axes) or fig.get_suptitle()
    read = describe_figure(fig, take_titles=False)
    if not titled or not re.search(r"(Bars|Line|Points) of ", read.alt):
        raise ChartError(
            "this figure has no description from its data (no title, or nothing read value by "
            "value): draw it with plotting.line_chart / bar_chart or call plotting.describe"
        )
    return describe_figure(fig)


def chart_colours(fig: Figure) -> set[str]:
    """The distinct colours a figure's lines, bars and markers use (for the four-colour rule)."""
    from matplotlib.colors import to_hex

    used = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            used.add(to_hex(line.get_color()))
        for patch in ax.patches:
            used.add(to_hex(patch.get_facecolor()))
    return used - {"#ffffff"}


def watermark(fig: Figure, text: str) -> None:
    """Write `text` under the bottom-right corner of everything the figure draws (so it covers
    no label), in red at the smallest chart size."""
    fig.draw_without_rendering()
    box = fig.get_tightbbox()
    width, height = fig.get_size_inches()
    fig.text(
        box.x1 / width,
        (box.y0 - 0.05) / height,
        text,
        ha="right",
        va="top",
        fontsize=MIN_FONT_PT,
        color="#b00020",
    )


def to_svg(fig: Figure) -> bytes:
    """The figure as SVG, byte-identical on rerun (fixed hash salt, no date, text as text)."""
    import matplotlib

    apply_theme()
    buffer = io.BytesIO()
    width = fig.get_size_inches()[0]
    if width > MAX_WIDTH_IN:
        raise ChartError(
            f"a chart {width:g} in wide would be scaled down below 12 px text in a report "
            f"column: draw it at most {MAX_WIDTH_IN:g} in wide"
        )
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "none"}):
        fig.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None},
            bbox_inches="tight",
        )
    return buffer.getvalue()


def figure_html(
    svg: bytes, description: ChartDescription, *, data_href: str | None, figure_id: str
) -> str:
    """A chart as it reads in a report: headline title and subtitle as text, the SVG with its
    alt text, the caption (source) and a "download the data" link."""
    src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    fid = html.escape(figure_id)
    link = (
        f' <a href="{html.escape(data_href)}">Download the data for this chart (CSV)</a>'
        if data_href
        else ""
    )
    return (
        f'<figure class="nps-figure" id="{fid}" aria-labelledby="{fid}-title">\n'
        f'<p class="nps-figure-title" id="{fid}-title">{html.escape(description.title)}</p>\n'
        f'<p class="nps-figure-subtitle">{html.escape(description.subtitle)}</p>\n'
        f'<img src="{src}" alt="{html.escape(description.alt)}">\n'
        f"<figcaption>{html.escape(description.caption)}{link}</figcaption>\n"
        "</figure>\n"
    )


def svg_font_sizes(svg: bytes) -> Sequence[float]:
    """Every font size (px at 100% zoom) an SVG from `to_svg` uses, for checks."""
    text = svg.decode("utf-8")
    match = re.search(r'<svg[^>]*width="([\d.]+)pt"', text)
    scale = 96 / 72 if match else 1.0  # the SVG is sized in points; browsers draw 1pt = 4/3 px
    return [float(s) * scale for s in re.findall(r"font-size:\s*([\d.]+)px", text)] + [
        float(s) * scale for s in re.findall(r'font-size="([\d.]+)"', text)
    ]
