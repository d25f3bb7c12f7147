"""ASGSF charts: observed points from the released tables, titles that do not overlap, and the fan
chart anchored on the last observation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis import plotting
from nps_analysis.asgsf import forecast, growth, mix, plots, trends
from nps_analysis.asgsf.categories import COMPARABLE_LABEL
from nps_analysis.asgsf.years import fy_span
from nps_analysis.disclosure import Disclosure
from nps_analysis.outputs import OutputWriter
from simulation.asgsf import simulate_counts

YEARS5 = fy_span("2018/19", "2022/23")


@pytest.fixture
def released(tmp_path: Path):
    """Released tables of a 5-year run in which Filial therapy and Short breaks are suppressed."""
    counts = simulate_counts(YEARS5, seed=4)
    assert (counts["Filial therapy"] < 10).all()  # suppressed cells in every year
    out = OutputWriter(tmp_path, data_kind="synthetic")
    out.table(
        growth.annual_totals(counts),
        "annual_totals",
        disclosure=Disclosure(counts=["packages"], derived={"yoy_growth_pct": "packages"}),
    )
    comp = mix.comparable_series(counts).stack().rename("packages").reset_index()
    comp = comp.rename(columns={"therapy_type": "series"})
    out.table(comp, "comparable_series", disclosure=Disclosure(counts=["packages"]))
    by_year = mix.shares_by_year(counts)
    out.table(
        by_year,
        "shares",
        disclosure=Disclosure(counts=["packages"], derived={"share_pct": "packages"}),
    )
    wide = out.released("shares").pivot(
        index="financial_year", columns="therapy_type", values="packages"
    )
    wide = wide.apply(pd.to_numeric, errors="coerce").reindex(columns=counts.columns)
    fits = trends.fit_all(counts)
    return counts, out, wide, fits


def _title(ax) -> str:
    """The axes title, wherever the theme puts it (left or centre)."""
    return ax.get_title("left") or ax.get_title()


def _title_artist(ax):
    return next(
        t for t in ax.get_children() if hasattr(t, "get_text") and t.get_text() == _title(ax)
    )


def _markers(ax) -> np.ndarray:
    ys = [
        np.asarray(line.get_ydata(), float) for line in ax.get_lines() if line.get_marker() == "o"
    ]
    y = np.concatenate(ys) if ys else np.array([])
    return np.sort(y[np.isfinite(y)])


def test_total_and_comparable_panels_show_released_observations(released) -> None:
    counts, out, wide, fits = released
    fig = plots.therapy_trends(
        fits,
        wide,
        "England",
        totals=out.released("annual_totals"),
        comparable=out.released("comparable_series"),
    )
    panels = {_title(ax).split("\n")[0]: ax for ax in fig.axes if ax.get_visible()}
    assert _markers(panels[trends.TOTAL_LABEL]).tolist() == sorted(counts.sum(axis=1).tolist())
    comparable = mix.comparable_series(counts)[COMPARABLE_LABEL]
    title = next(t for t in panels if t.startswith("Psychological"))
    assert _markers(panels[title]).tolist() == sorted(comparable.tolist())
    # without the released totals a suppressed cell blanks the year (no understated total)
    fallback = plots.therapy_trends(fits, wide, "England")
    ax = next(a for a in fallback.axes if _title(a).startswith(trends.TOTAL_LABEL))
    assert _markers(ax).size == 0


def test_panel_titles_do_not_overlap(released) -> None:
    _, out, wide, fits = released
    fig = plots.therapy_trends(fits, wide, "England", totals=out.released("annual_totals"))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    titles = [_title_artist(ax).get_window_extent(renderer) for ax in axes]
    boxes = [ax.get_window_extent(renderer) for ax in axes]
    for i, t in enumerate(titles):
        for j, other in enumerate(titles):
            if i < j:
                assert not t.overlaps(other), (_title(axes[i]), _title(axes[j]))
        for j, box in enumerate(boxes):
            if i != j:
                assert not t.overlaps(box), (_title(axes[i]), j)
    # every fitted panel prints n and df beside the rate
    for ax, fit in zip(axes, fits.values(), strict=True):
        if fit.fitted_ok:
            assert f"n = {len(fit.years)} years, df = {fit.df_resid}" in _title(ax)


def test_fan_is_anchored_on_the_last_observation(released) -> None:
    counts, out, _, fits = released
    fc = forecast.forecast_all(fits, 3)
    totals = out.released("annual_totals")
    fig = plots.forecast_fan(totals, fc, "England")
    ax = fig.axes[0]
    last = float(counts.sum(axis=1).iloc[-1])
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1
    x, y = dashed[0].get_data()
    assert (x[0], y[0]) == (2022, last)
    preferred = fc[(fc["therapy_type"] == trends.TOTAL_LABEL) & fc["preferred"].fillna(False)]
    assert np.asarray(y[1:], float) == pytest.approx(preferred["forecast"].to_numpy())
    for band in ax.collections:  # each interval band starts at the observed point
        verts = band.get_paths()[0].vertices
        at_anchor = verts[np.isclose(verts[:, 0], 2022)]
        assert np.allclose(at_anchor[:, 1], last)
    description = plotting.description_of(fig)  # the subtitle the report shows as HTML text
    assert description.subtitle.startswith("1-step backtest") and _title(ax) == ""
    assert f"would be about {preferred['forecast'].iloc[-1]:,.0f} in" in description.title
