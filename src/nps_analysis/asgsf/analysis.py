"""Run every ASGSF therapy-trend analysis on a packages table and write the results.

`run_analysis` aggregates first (one pass over the packages), then models the aggregated counts;
`write_outputs` publishes every table and figure through `OutputWriter` with disclosure-control
metadata. The notebook `notebooks/asgsf_therapy_trends.ipynb` is a thin wrapper around these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

import numpy as np
import pandas as pd

from nps_analysis.asgsf import age, backtest, forecast, growth, mix, plots, spend, trends
from nps_analysis.asgsf.categories import CATEGORY_CHANGE_NOTE, canonical_label, series_members
from nps_analysis.asgsf.prepare import (
    area_name,
    filter_region,
    packages_by,
    packages_disclosure,
    therapy_year_counts,
    year_span,
)
from nps_analysis.asgsf.rounding import REPORT_ROUNDING
from nps_analysis.asgsf.years import fy_span
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.vocabulary import (
    AGE_NOT_RECORDED,
    KNOWN_AGE,
    OLDER_AGE_GROUP,
    PACKAGES,
)
from nps_analysis.figure_check import CHECK_COLUMNS, check_figures
from nps_analysis.rounding import Rounding, round_values

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

    from matplotlib.figure import Figure

    from nps_analysis.outputs import OutputWriter
    from nps_analysis.provenance import DataKind

REGIONAL_KEYS = ("financial_year", "region", "therapy_type")
"""England's packages by pan-region, year and therapy: every region's year-by-therapy counts in
one table, so they are protected together with England's (a region's own report shows the same
counts; protected alone, eight regions beside England's totals gave cells back)."""
REPORT_FIRST_YEAR = "2018/19"
REPORT_LAST_YEAR = "2022/23"


@dataclass
class AsgsfResults:
    """Every table (and the fitted models) of one run."""

    area: str
    years: list[str]
    counts: pd.DataFrame
    annual_totals: pd.DataFrame
    growth_summary: pd.DataFrame
    rounding: pd.DataFrame
    therapy_shares: pd.DataFrame
    shares_by_year: pd.DataFrame
    comparable: pd.DataFrame
    fits: dict[str, trends.TrendFit]
    therapy_trends: pd.DataFrame
    forecast: pd.DataFrame
    age_profile: pd.DataFrame
    rules: spend.FairAccessRules
    spend: pd.DataFrame | None = None
    regional_costs: pd.DataFrame | None = None
    regional_packages: pd.DataFrame | None = None
    regional_totals: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def run_analysis(
    packages: pd.DataFrame,
    *,
    region: str | None = None,
    forecast_years: int = 3,
    first_year: str | None = None,
    last_year: str | None = None,
    dispersion_threshold: float = trends.DISPERSION_THRESHOLD,
    exclude_partial_years: bool = True,
    rules: spend.FairAccessRules | None = None,
) -> AsgsfResults:
    """All ASGSF therapy-trend tables for `region` (None = England) over `first_year..last_year`.

    The year span defaults to every year in the (national) data, so a region with no packages in
    some year shows a zero rather than a missing year.
    """
    notes: list[str] = [CATEGORY_CHANGE_NOTE]
    span = year_span(packages)
    first = first_year or span[0]
    last = last_year or span[-1]
    years = fy_span(first, last)
    in_span = packages["financial_year"].isin(years)
    scoped = packages[in_span] if not bool(in_span.all()) else packages
    if scoped.empty:
        raise ValueError(f"no ASGSF packages between {first} and {last}")
    local = filter_region(scoped, region)
    area = area_name(region)

    counts = therapy_year_counts(local, years)
    totals = growth.annual_totals(counts)
    summary = _growth_rows(totals)
    rounding = _rounding_rows(summary)
    shares = mix.therapy_shares(counts)
    by_year = mix.shares_by_year(counts)
    comparable = mix.comparable_series(counts)
    comparable_long = (
        comparable.stack()
        .rename("packages")
        .reset_index()
        .rename(columns={"therapy_type": "series"})
    )
    fits = trends.fit_all(
        counts, dispersion_threshold=dispersion_threshold, exclude_partial=exclude_partial_years
    )
    trend_table = trends.trends_table(fits)
    fc = forecast.forecast_all(fits, forecast_years, last_year=last)
    ages = age.older_child_share(local, years)
    rules = (rules or spend.rules_for_years(years)).require(years)
    notes.append(f"Fair access limits and match-funding rules from: {rules.source}.")
    spend_tab = regional = None
    if spend.has_amounts(local):
        spend_tab = spend.spend_by_year_therapy(local, rules)
        regional = spend.regional_costs(scoped)
    else:
        notes.append("No amount_gbp recorded: spend analyses skipped.")
    no_model = trend_table.loc[trend_table["model"] == trends.MODEL_NONE, ["therapy_type", "note"]]
    notes += [f"{r.therapy_type}: {r.note}." for r in no_model.itertuples()]
    return AsgsfResults(
        area=area,
        years=years,
        counts=counts,
        annual_totals=totals,
        growth_summary=summary,
        rounding=rounding,
        therapy_shares=shares,
        shares_by_year=by_year,
        comparable=comparable_long,
        fits=fits,
        therapy_trends=trend_table,
        forecast=fc,
        age_profile=ages,
        rules=rules,
        spend=spend_tab,
        regional_costs=regional,
        regional_packages=None if region else packages_by(scoped, list(REGIONAL_KEYS)),
        regional_totals=None if region else packages_by(scoped, list(REGIONAL_KEYS[:2])),
        notes=notes,
    )


def _growth_rows(totals: pd.DataFrame) -> pd.DataFrame:
    """Growth over the whole span and, when inside it and different, over the report's 2018/19-2022/23."""
    rows = [growth.growth_summary(totals).assign(period="span")]
    yrs = list(totals["financial_year"])
    if (
        REPORT_FIRST_YEAR in yrs
        and REPORT_LAST_YEAR in yrs
        and (yrs[0], yrs[-1]) != (REPORT_FIRST_YEAR, REPORT_LAST_YEAR)
    ):
        rows.append(
            growth.growth_summary(totals, REPORT_FIRST_YEAR, REPORT_LAST_YEAR).assign(
                period="report period"
            )
        )
    elif (yrs[0], yrs[-1]) == (REPORT_FIRST_YEAR, REPORT_LAST_YEAR):
        rows[0]["period"] = "span = report period"
    return pd.concat(rows, ignore_index=True)


def _rounding_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """Each growth figure printed under truncation (the report's convention) and round-half-up."""
    out = []
    for r in summary.itertuples():
        for measure in ("total_growth_pct", "cagr_pct"):
            v = float(getattr(r, measure))
            out.append(
                {
                    "first_year": r.first_year,
                    "last_year": r.last_year,
                    "packages_first": int(r.packages_first),
                    "measure": measure,
                    "value": v,
                    "printed_truncate_1dp": round_values(v, 1, Rounding.TRUNCATE),
                    "printed_half_up_1dp": round_values(v, 1, Rounding.HALF_UP),
                    "report_convention": REPORT_ROUNDING.value,
                }
            )
    return pd.DataFrame(out)


def published_check(res: AsgsfResults) -> pd.DataFrame:
    """Reproduced vs published ASGSF figures (s4.2) for England, 2018/19-2022/23.

    Package totals, the growth and the therapy totals and shares, each rounded as the report
    printed it (``figure_check``: the growth and the specialist-assessment share truncated).
    Empty if not applicable.
    """
    if res.area != "England" or not {REPORT_FIRST_YEAR, REPORT_LAST_YEAR} <= set(res.years):
        return pd.DataFrame(columns=CHECK_COLUMNS)
    pub = _published_packages()
    if pub is None:
        return pd.DataFrame(columns=CHECK_COLUMNS)
    counts = res.counts.loc[fy_span(REPORT_FIRST_YEAR, REPORT_LAST_YEAR)]
    by_therapy = counts.sum(axis=0)
    totals = counts.sum(axis=1)
    grand = float(by_therapy.sum())
    values: dict[str, float] = {}
    for r in pub.itertuples():
        if r.measure == "growth_percent":
            values[r.figure_id] = float(
                growth.pct_change(totals[REPORT_LAST_YEAR], totals[REPORT_FIRST_YEAR])
            )
        elif r.measure == "packages" and r.therapy_type == "all":
            values[r.figure_id] = float(totals.get(r.financial_year, np.nan))
        elif r.measure in ("packages", "share_percent"):
            n = float(by_therapy.get(canonical_label(r.therapy_type), 0))
            values[r.figure_id] = n if r.measure == "packages" else n / grand * 100.0
        else:
            values[r.figure_id] = np.nan
    return check_figures(values, pub)


def _published_packages() -> pd.DataFrame | None:
    """The validated published ASGSF packages table (s4.2), or None if it is not available."""
    try:
        from nps_analysis.published import load_published

        return load_published("asgsf_packages")
    except (ImportError, FileNotFoundError):  # pragma: no cover - published tables not present
        return None


def _numeric(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """A released table with suppressed cells (e.g. 'c') turned into NaN, for charts."""
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce")
    return out


def _released_fits(res: AsgsfResults, released_trends: pd.DataFrame) -> dict[str, trends.TrendFit]:
    """The fits whose growth rate survived disclosure control (others are shown as suppressed)."""
    shown = _numeric(released_trends, ["annual_growth_pct"]).set_index("therapy_type")
    fits: dict[str, trends.TrendFit] = {}
    for name, fit in res.fits.items():
        if fit.fitted_ok and name in shown.index and pd.isna(shown.loc[name, "annual_growth_pct"]):
            fit = trends.TrendFit(
                fit.series,
                trends.MODEL_NONE,
                fit.years,
                fit.counts,
                note="growth rate suppressed (disclosure control)",
            )
        fits[name] = fit
    return fits


class _TableOptions(TypedDict, total=False):
    """Keyword options of `OutputWriter.table`."""

    data_kind: DataKind | str | None
    sort_by: Iterable[str] | None
    disclosure: Disclosure | None


def write_outputs(
    res: AsgsfResults, out: OutputWriter, *, check: pd.DataFrame | None = None
) -> dict[str, Path | None]:
    """Write every table and figure of `res` through `out`, with disclosure-control metadata.

    Figures are drawn from the tables *as released* (after disclosure control) and declare them as
    their sources. Returns the written paths keyed by output name (`tables/annual_totals.csv`, ...;
    None when an output was withheld). The caller writes the manifest (`out.write_manifest()`).
    """
    paths: dict[str, Path | None] = {}

    def table(df: pd.DataFrame, name: str, **kw: Unpack[_TableOptions]) -> bool:
        paths[f"tables/{name}.csv"] = out.table(df, name, **kw)
        return paths[f"tables/{name}.csv"] is not None

    def figure(fig: Figure, name: str, sources: list[str]) -> None:
        paths[f"figures/{name}.svg"] = out.figure(fig, name, source_tables=sources)

    def floats_from(df: pd.DataFrame, count: str, skip: tuple[str, ...] = ()) -> dict[str, str]:
        return {
            c: count for c in df.columns if pd.api.types.is_float_dtype(df[c]) and c not in skip
        }

    ok_totals = table(
        res.annual_totals,
        "annual_totals",
        disclosure=Disclosure(
            population=PACKAGES, counts=["packages"], derived={"yoy_growth_pct": "packages"}
        ),
    )
    table(
        res.growth_summary,
        "growth_summary",
        disclosure=Disclosure(
            population=PACKAGES,
            counts=["packages_first", "packages_last"],
            derived={"total_growth_pct": "packages_first", "cagr_pct": "packages_first"},
            members={
                "packages_first": {"financial_year": "{first_year}"},
                "packages_last": {"financial_year": "{last_year}"},
            },
        ),
    )
    table(
        res.rounding,
        "growth_rounding",
        disclosure=Disclosure(
            population=PACKAGES,
            counts=["packages_first"],
            derived=floats_from(res.rounding, "packages_first"),
            members={"packages_first": {"financial_year": "{first_year}"}},
        ),
    )
    table(
        res.therapy_shares,
        "therapy_shares",
        disclosure=Disclosure(
            population=PACKAGES,
            counts=["packages"],
            derived={"share_pct": "packages"},
            grid=("therapy_type",),
        ),
    )
    ok_mix = table(
        res.shares_by_year,
        "therapy_shares_by_year",
        disclosure=Disclosure(
            population=PACKAGES,
            counts=["packages"],
            derived={"share_pct": "packages"},
            grid=("financial_year", "therapy_type"),
        ),
    )
    ok_comp = table(
        res.comparable,
        "comparable_series",
        disclosure=Disclosure(
            population=PACKAGES,
            counts=["packages"],
            dimensions={"series": ""},
            members={"packages": lambda row: series_members(row["series"])},
        ),
    )

    def fitted_members(row: dict) -> dict:
        """The packages a trend row counts: its series over the years it was fitted to."""
        fit = res.fits.get(row["therapy_type"])
        years = {"financial_year": tuple(map(str, fit.years))} if fit is not None else {}
        return {**series_members(row["therapy_type"]), **years}

    # Trend models are fitted to yearly counts: a fit (growth, dispersion, forecast) can give
    # back the counts it was fitted to, so it is released only when every yearly count of its
    # series passes the threshold (hidden count: the smallest of them) and the series' total
    # does; the rows are different series (no margins).
    def smallest_year(frame: pd.DataFrame) -> pd.DataFrame:
        fits = [res.fits.get(t) for t in frame["therapy_type"]]
        low = [int(min(f.counts)) if f is not None and len(f.counts) else 0 for f in fits]
        return frame.assign(packages_smallest_year=low)

    def model_disclosure(frame: pd.DataFrame, count: str) -> Disclosure:
        both = (count, "packages_smallest_year")
        return Disclosure(
            population=PACKAGES,
            counts=[count],
            hidden_counts=["packages_smallest_year"],
            derived=dict.fromkeys(floats_from(frame, count), both),
            dims=(),
            dimensions={"therapy_type": "", "financial_year": ""},
            members={count: fitted_members},
        )

    tt = res.therapy_trends
    ok_trends = table(
        smallest_year(tt), "therapy_trends", disclosure=model_disclosure(tt, "packages")
    )
    fc = res.forecast
    ok_fc = table(
        smallest_year(fc), "forecast", disclosure=model_disclosure(fc, "packages_modelled")
    )
    paths["tables/forecast_backtest.csv"] = backtest.write_backtest(res.fits, out)
    ages = res.age_profile
    if not ages[
        "packages_unknown_age"
    ].any():  # all zero: nothing to report (and zeros are suppressed)
        ages = ages.drop(columns=["packages_unknown_age"])
    age_count = next(c for c in ages.columns if c.startswith("packages_aged_"))
    table(
        ages,
        "age_12_plus",
        disclosure=Disclosure(
            population=PACKAGES,
            counts=[
                c for c in ("packages_known_age", "packages_unknown_age", age_count) if c in ages
            ],
            derived=floats_from(ages, age_count),
            members={
                "packages_known_age": {"age_group": KNOWN_AGE},
                "packages_unknown_age": {"age_group": AGE_NOT_RECORDED},
                age_count: {"age_group": OLDER_AGE_GROUP},
            },
        ),
    )
    if res.spend is not None:
        derived: dict[str, str | tuple[str, ...]] = dict(
            floats_from(res.spend, "packages_with_amount")
        )
        derived["at_or_above_limit_pct"] = spend.SHARE_SIDES[:2]
        derived["match_funded_pct"] = spend.SHARE_SIDES[2:]
        table(
            res.spend,
            "spend_by_year_therapy",
            disclosure=Disclosure(
                population=PACKAGES,
                counts=["packages", "packages_with_amount"],
                hidden_counts=spend.SHARE_SIDES,
                derived=derived,
                members={"packages_with_amount": {"amount_recorded": "yes"}},
                dims=["financial_year", "therapy_type"],
                grid=("financial_year", "therapy_type"),
                magnitudes=dict.fromkeys(
                    ("total_gbp", "mean_cost_gbp", "median_cost_gbp"), spend.DOMINATED
                ),
            ),
        )
    ok_reg = False
    if res.regional_costs is not None:
        ok_reg = table(
            res.regional_costs,
            "regional_costs",
            disclosure=Disclosure(
                population=PACKAGES,
                members={"packages": {"amount_recorded": "yes"}},
                grid=("region", "therapy_type"),
                counts=["packages"],
                derived=floats_from(res.regional_costs, "packages"),
                magnitudes={
                    "mean_cost_gbp": spend.DOMINATED,
                    "ratio_to_national": (spend.DOMINATED, spend.NATIONAL_DOMINATED),
                    "national_mean_cost_gbp": spend.NATIONAL_DOMINATED,
                },
            ),
        )
    if res.regional_totals is not None and res.regional_packages is not None:
        # the regions' yearly totals (each regional report publishes its own) and their counts
        # by therapy, so that England's protection knows both
        keys = list(REGIONAL_KEYS)
        table(
            res.regional_totals, "packages_by_region_year", disclosure=packages_disclosure(keys[:2])
        )
        table(
            res.regional_packages,
            "packages_by_region_year_therapy",
            disclosure=packages_disclosure(keys),
        )
    if check is not None and not check.empty:
        table(check, "published_check", data_kind="published")

    if ok_totals:
        totals = _numeric(out.released("annual_totals"), ["packages", "yoy_growth_pct"])
        figure(plots.totals_by_year(totals, res.area), "totals_by_year", ["annual_totals"])
    if ok_mix:
        by_year = _numeric(out.released("therapy_shares_by_year"), ["packages", "share_pct"])
        figure(plots.therapy_mix(by_year, res.area), "therapy_mix", ["therapy_shares_by_year"])
        if ok_trends:
            counts = by_year.pivot(
                index="financial_year", columns="therapy_type", values="packages"
            )
            counts = counts.reindex(index=res.counts.index, columns=res.counts.columns)
            fits = _released_fits(res, out.released("therapy_trends"))
            observed = {
                "totals": _numeric(out.released("annual_totals"), ["packages"])
                if ok_totals
                else None,
                "comparable": _numeric(out.released("comparable_series"), ["packages"])
                if ok_comp
                else None,
            }
            figure(
                plots.therapy_trends(fits, counts, res.area, **observed),
                "therapy_trends",
                ["therapy_shares_by_year", "therapy_trends"]
                + ["annual_totals"] * ok_totals
                + ["comparable_series"] * ok_comp,
            )
    if ok_totals and ok_fc:
        fc_rel = _numeric(
            out.released("forecast"), [c for c in fc.columns if c.startswith("pi")] + ["forecast"]
        )
        figure(
            plots.forecast_fan(totals, fc_rel, res.area),
            "forecast_fan",
            ["annual_totals", "forecast"],
        )
    if ok_reg and not res.regional_costs.empty:
        reg = _numeric(out.released("regional_costs"), ["ratio_to_national"])
        figure(plots.regional_cost_chart(reg, res.area), "regional_costs", ["regional_costs"])
    return paths


def display_rounded(df: pd.DataFrame, dp: int = 1) -> pd.DataFrame:
    """A copy for display: percentage columns rounded half-up to `dp` (tables keep full precision)."""
    shown = df.copy()
    for c in shown.columns:
        if (c.endswith("_pct") or c in ("ci_low", "ci_high")) and pd.api.types.is_float_dtype(
            shown[c]
        ):
            shown[c] = round_values(shown[c], dp, Rounding.HALF_UP)
    return shown


__all__ = ["AsgsfResults", "display_rounded", "published_check", "run_analysis", "write_outputs"]
