"""The national picture: headline numbers computed from data, cross-checked with the published
figures, and a comparison of the eight pan-regions compiled from their released regional tables.

The notebook (``notebooks/national_picture.ipynb``) only calls these functions and shows what
they released: one ``crosscheck_<section>`` table per section, the summary of the cross-checks,
the STEP comparison, the regions compared and the headline facts built from those tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from nps_analysis.asgsf import scenario_2025
from nps_analysis.disclosure import Disclosure
from nps_analysis.figure_check import check_figures
from nps_analysis.paths import resolve
from nps_analysis.regional import benchmark
from nps_analysis.regional.cases import coverage_figures, one_return_per_raa
from nps_analysis.release.formatting import format_value
from nps_analysis.release.metadata import table_spec

ANALYSIS = "national_picture"
"""The release spec of the national picture's tables (``release/tables/national_picture.yaml``)."""
CROSSCHECK_PREFIX = "crosscheck_"
CROSSCHECK_SECTIONS = {
    "open_cases": "Open support cases (s3.2)",
    "asgsf": "ASGSF packages and therapies (s4.2)",
    "workforce": "Workforce (s5)",
    "provider_market": "Provider market (s7)",
}
"""The sections whose headline numbers are recomputed, with the label readers see."""
CROSSCHECK_DISCLOSURE = Disclosure(safe_reason="national totals compared with published figures")
SUMMARY_DISCLOSURE = Disclosure(safe_reason="counts of figures, no data values")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def computed_open_cases(cases: pd.DataFrame) -> dict[str, float]:
    """Open-case counts and shares keyed by the report's figure_ids (s3.2), and the coverage
    (RAAs and pan-regions with a return, s3.1). Like the report's 19,454, the total combines one
    return per RAA (period counts and snapshots); an RAA with two returns stops the check."""
    one_return_per_raa(cases, "the national open-case total")
    values = coverage_figures(cases)
    total = float(cases["count"].sum())
    values["cases.total"] = total
    by_group = cases.groupby("recipient_group", observed=True)["count"].sum()
    for group, count in by_group.items():
        values[f"cases.group.{_slug(str(group))}"] = float(count)
        values[f"cases.group.{_slug(str(group))}.pct"] = 100 * float(count) / total
    children = cases.loc[cases["recipient_group"].astype(str) == "children"]
    by_band = children.groupby("child_age_band", observed=True)["count"].sum()
    for band, count in by_band.items():
        key = f"cases.children.age.{_slug(str(band))}"
        values[key] = float(count)
        values[f"{key}.pct"] = 100 * float(count) / float(by_band.sum())
    return values


def computed_asgsf(packages: pd.DataFrame, categories: pd.DataFrame) -> dict[str, float]:
    """ASGSF package totals, growth and therapy shares keyed by figure_id (s4.2)."""
    values: dict[str, float] = {}
    by_year = packages.groupby("financial_year", observed=True).size()
    for year, count in by_year.items():
        values[f"asgsf.packages.{str(year).replace('/', '_')}"] = float(count)
    if {"2018/19", "2022/23"} <= set(map(str, by_year.index)):
        first, last = float(by_year["2018/19"]), float(by_year["2022/23"])
        values["asgsf.packages.growth_2018_19_2022_23.pct"] = 100 * (last - first) / first
    slugs = dict(zip(categories["therapy_type"], categories["slug"], strict=True))
    by_therapy = packages.groupby("therapy_type", observed=True).size()
    listed = by_therapy[[t for t in by_therapy.index if str(t) in slugs]]
    for therapy, count in listed.items():
        values[f"asgsf.therapy.{slugs[str(therapy)]}"] = float(count)
        values[f"asgsf.therapy.{slugs[str(therapy)]}.pct"] = (
            100 * float(count) / float(listed.sum())
        )
    return values


def computed_workforce(
    fte_by_role: pd.DataFrame, coverage: pd.DataFrame, gaps: pd.DataFrame
) -> dict[str, float]:
    """Workforce FTE, role shares, trained shares and gap counts keyed by figure_id (s5)."""
    values = {"workforce.fte.total": float(fte_by_role["fte"].sum())}
    for role, share in zip(fte_by_role["role"], fte_by_role["share_pct"], strict=True):
        values[f"workforce.role.{_slug(str(role))}.pct"] = float(share)
    values["workforce.skills.fte_base"] = float(coverage["base_fte"].iloc[0])
    for skill, share in zip(coverage["skill"], coverage["share_pct"], strict=True):
        values[f"workforce.skill.{_slug(str(skill))}.pct"] = float(share)
    values["workforce.gaps.raas_reporting"] = float(gaps["raas_responding"].iloc[0])
    for skill, count in zip(gaps["skill"], gaps["raas_with_gap"], strict=True):
        values[f"workforce.gaps.{_slug(str(skill))}"] = float(count)
    return values


def computed_provider_funding(packages: pd.DataFrame) -> dict[str, float]:
    """ASGSF spend from providers A-E by pan-region keyed by figure_id (s7)."""
    named = packages.loc[packages["provider"].astype(str).str.fullmatch(r"Provider [A-E]")]
    spend = named.groupby(["provider", "region"], observed=True)["amount_gbp"].sum()
    return {
        f"funding.{_slug(str(provider))}.{_slug(str(region))}": float(total)
        for (provider, region), total in spend.items()
    }


CROSSCHECK_COLUMNS = [
    "figure_id",
    "section",
    "published",
    "published_value",
    "computed_value",
    "agrees",
]


def crosscheck(computed: dict[str, float], register: pd.DataFrame) -> pd.DataFrame:
    """Computed value beside each published figure it corresponds to, sorted by figure_id.

    `agrees`: ``figure_check.check_figures`` matches it, i.e. the value rounded to the printed
    precision with the convention the report printed that figure with (the audit's: a computed
    209.95% agrees with the growth's printed 209.9%, which the report truncated, while 16.6%
    does not agree with the birth families' truncated 16%).
    """
    check = check_figures(dict(sorted(computed.items())), register)
    fig = register.set_index("figure_id").loc[check["figure_id"]]
    table = pd.DataFrame(
        {
            "figure_id": check["figure_id"],
            "section": fig["source_section"].to_numpy(),
            "published": fig["value_as_printed"].astype(str).to_numpy(),
            "published_value": check["published"],
            "computed_value": check["reproduced"],
            "agrees": check["matches"].astype(bool),
        }
    )
    return table.reindex(columns=CROSSCHECK_COLUMNS)


def crosscheck_name(section: str) -> str:
    """The released table of one section's cross-check: ``crosscheck_<section>``."""
    if section not in CROSSCHECK_SECTIONS:
        raise KeyError(
            f"unknown cross-check section {section!r}; one of {list(CROSSCHECK_SECTIONS)}"
        )
    return f"{CROSSCHECK_PREFIX}{section}"


def _count_true(values: pd.Series) -> int:
    """How many cells of a released yes/no column are true (bools, or the CSV's text)."""
    return int(values.astype(str).str.strip().str.lower().isin(["true", "yes", "1"]).sum())


def _agreeing(table: pd.DataFrame) -> int:
    """Rows of a released cross-check table that agree with the published figure."""
    return _count_true(table["agrees"])


def agreement(table: pd.DataFrame) -> str:
    """One sentence for a released cross-check table: how many computed figures agree."""
    return (
        f"**{_agreeing(table)} of {len(table)}** computed figures agree with the published ones "
        "(at the printed precision)."
    )


def crosscheck_summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Figures checked and agreeing per section, from the released ``crosscheck_<section>``
    tables in `tables` (``OutputWriter.released_tables()``), in the report's order."""
    rows = [
        {"section": label, "figures": len(table), "agree": _agreeing(table)}
        for section, label in CROSSCHECK_SECTIONS.items()
        if (table := tables.get(f"{CROSSCHECK_PREFIX}{section}")) is not None
    ]
    return pd.DataFrame(rows, columns=["section", "figures", "agree"])


def step_comparison(coefficients: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """The model's estimates beside the published effects of the same terms (s6), and whether
    each published value lies inside the estimate's 95% confidence interval.

    `coefficients` is ``step.model.coefficient_table``; `published` the transcribed
    ``step_regression`` figures (terms without a numeric value, and repeats, left out).
    """
    effects = (
        published[["term", "value_as_printed", "value"]]
        .dropna(subset=["value"])
        .drop_duplicates("term")
        .rename(columns={"value": "published_value"})
    )
    comparison = coefficients[["term", "estimate", "ci_low", "ci_high"]].merge(
        effects, on="term", how="inner"
    )
    comparison["published_within_ci"] = comparison["published_value"].between(
        comparison["ci_low"], comparison["ci_high"]
    )
    return comparison


def _shown(table: str, column: str, value: object) -> str:
    """A released value as its table shows it (decimals, separators, unit, GSS symbol)."""
    spec = table_spec(ANALYSIS, table).columns[column]
    text = format_value(value, spec)
    if text.startswith("["):
        return text
    return f"£{text}" if spec.indicator_unit == "£" else f"{text}{spec.indicator_unit}"


def _number(value: object) -> float | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _rate_text(row: pd.Series) -> str:
    """ "230.9 in Eastern (range 227.6 to 252.2)" for one row of ``regions_compared``."""
    rate, low, high = (
        _shown("regions_compared", column, row[column])
        for column in (
            "packages_per_1000_adopted_children",
            "packages_per_1000_low",
            "packages_per_1000_high",
        )
    )
    return f"{rate} in {row['region']} (range {low} to {high})"


def headline_facts(tables: dict[str, pd.DataFrame], data_kind: str) -> list[str]:
    """The page's headline facts, generated from its released tables (none hard-coded):
    agreement of the cross-checks, the STEP comparison and the range of the regional rates."""
    facts = []
    basis = (
        " On synthetic data this agreement is by construction: it checks the pipeline, not the report."
        if data_kind == "synthetic"
        else ""
    )
    summary = tables.get("crosscheck_summary")
    if summary is not None and len(summary):
        checked, agree = int(summary["figures"].sum()), int(summary["agree"].sum())
        short = summary.loc[summary["figures"] > summary["agree"], "section"].tolist()
        detail = f"; those that do not are in {' and '.join(short)}" if short else ""
        facts.append(
            f"{agree:,} of the {checked:,} published headline figures that the data can recompute "
            f"agree with the report at its printed precision{detail}.{basis}"
        )
    step = tables.get("step_published_vs_estimated")
    if step is not None and len(step):
        within = _count_true(step["published_within_ci"])
        facts.append(
            f"STEP / TAYC-R (Eastern region's families): {within} of the {len(step)} published "
            "effects lie inside the 95% confidence interval of the model's estimate"
            + (" (parameter recovery on synthetic data, not replication)." if basis else ".")
        )
    regions = tables.get("regions_compared")
    if regions is not None and len(regions):
        rates = regions.assign(
            rate=[_number(v) for v in regions["packages_per_1000_adopted_children"]]
        ).dropna(subset=["rate"])
        if len(rates) > 1:
            rates = rates.sort_values("rate", kind="mergesort")
            low, high = rates.iloc[0], rates.iloc[-1]

            facts.append(
                f"ASGSF packages for adopted children under 18 in {high['rate_financial_year']} per "
                f"1,000 estimated adopted children under 18 ranged from {_rate_text(low)} to "
                f"{_rate_text(high)}, across the {len(rates)} pan-regions with a rate."
            )
    return facts


INDICATORS = [
    ("adoptions_latest_year", "adoptions_region_vs_england", "adoptions_region", "public"),
    ("adopted_children_under_18", "adopted_population", "estimate", "public"),
    ("packages_latest_year", "packages_by_year", "packages", "record-level"),
    ("share_packages_aged_12_plus_pct", "share_aged_12_plus", "pct", "record-level"),
    ("provider_spend_hhi", "provider_concentration", "hhi", "record-level"),
]
RATE_TABLE = "packages_per_1000_adopted_children"
"""The regional table of packages for adopted children under 18 per 1,000 such children."""
RATE_COLUMNS = {
    "financial_year": "rate_financial_year",
    "rate_per_1000": "packages_per_1000_adopted_children",
    "rate_low": "packages_per_1000_low",
    "rate_high": "packages_per_1000_high",
}


RATE_FIGURE = "packages_per_1000_by_region"


def rate_figures(regions: pd.DataFrame) -> list[tuple[str, Any, str]]:
    """(figure name, figure, source table) for the regions' packages per 1,000 adopted children
    under 18 with the estimate's range, described from the values; none when no region has an
    unsuppressed rate (e.g. before the regional stages have run)."""
    from nps_analysis import plotting

    rate_column, low_column, high_column = (
        RATE_COLUMNS[k] for k in ("rate_per_1000", "rate_low", "rate_high")
    )
    columns = [rate_column, low_column, high_column]
    numeric = regions.assign(**{c: pd.to_numeric(regions[c], errors="coerce") for c in columns})
    shown = numeric.dropna(subset=columns)
    if shown.empty:
        return []
    rate, low, high = (shown[c].to_numpy(float) for c in columns)
    fig, ax = plotting.new_figure()
    ax.errorbar(
        rate, shown["region"].astype(str), xerr=[rate - low, high - rate], fmt="o", capsize=4
    )
    ax.invert_yaxis()
    ax.set_xlabel("Packages per 1,000 adopted children under 18")
    ax.set_xlim(left=0)
    released = regions.loc[shown.index]  # described as released (already at fixed decimals)
    parts = [
        f"{r['region']} {r[rate_column]} (range {r[low_column]} to {r[high_column]})"
        for _, r in released.iterrows()
    ]
    title = "ASGSF packages for adopted children under 18 per 1,000 such children, by pan-region"
    plotting.describe(
        fig,
        title=title,
        subtitle="Latest financial year, with the range from the adopted-population estimate",
        alt=f"Dot plot: {title}. " + "; ".join(parts) + ".",
        caption="Source: released table regions_compared."
        + plotting.not_shown(len(regions) - len(shown), "region"),
    )
    return [(RATE_FIGURE, fig, "regions_compared")]


SCENARIO_TABLE = scenario_2025.TABLES[0]
"""The released summary of the 2025/26 fund-rules scenario (regional reports and ASGSF trends)."""
SCENARIO_NATIONAL = "scenario_2025_by_region"
"""The national picture's compilation of it: one row per pan-region, then England."""


def compile_scenario(
    regions_dir: str | Path, asgsf_dir: str | Path, slugs: dict[str, str]
) -> pd.DataFrame:
    """The 2025/26 scenario's summary per pan-region (each region's released table) and for
    England (the ASGSF release, with its projection against the budget), values as released:
    `c` stays `c`, a region without the table gets a row of blanks. England's projection columns
    are blank for the regions (the forecast is national only)."""
    england = _released(resolve(asgsf_dir) / "tables", SCENARIO_TABLE)
    frames = []
    for region, slug in slugs.items():
        df = _released(resolve(regions_dir) / slug / "tables", SCENARIO_TABLE)
        frames.append(df if df is not None and len(df) else pd.DataFrame({"area": [region]}))
    frames.append(england if england is not None else pd.DataFrame({"area": ["England"]}))
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    return pd.concat(frames, ignore_index=True).reindex(columns=columns).fillna("")


def _released(tables: Path, name: str) -> pd.DataFrame | None:
    path = tables / f"{name}.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None


def compile_regions(regions_dir: str | Path, slugs: dict[str, str]) -> pd.DataFrame:
    """Key indicators per pan-region, read from each region's *released* tables (so disclosure
    control already applied); suppressed values stay `c`, missing tables stay blank.

    The rate compares regions on one population: packages for adopted children under 18 in the
    latest financial year per 1,000 adopted children under 18 at its end (31 March), with the
    low-high range from the population estimate (the region's ``All`` row of its rate table).
    """
    rows = []
    for region, slug in slugs.items():
        tables = resolve(regions_dir) / slug / "tables"
        row: dict[str, object] = {"region": region}
        for indicator, table, column, _kind in INDICATORS:
            df = _released(tables, table)
            if df is not None and table == "adopted_population":
                df = df.loc[df["age_limit"] == "18"]
            row[indicator] = df[column].iloc[-1] if df is not None and len(df) else None
        rates = _released(tables, RATE_TABLE)
        total = None if rates is None else rates.loc[rates["raa"] == "All"]
        for source, target in RATE_COLUMNS.items():
            row[target] = total[source].iloc[-1] if total is not None and len(total) else None
        rows.append(row)
    return pd.DataFrame(rows)


BENCHMARK_DISCLOSURE = Disclosure(
    safe_reason="each RAA's row as its pan-region released it (protected with that region); "
    "the comparator group's figures are sums of those released rows (c where any is c)"
)


def compile_benchmarks(
    regions_dir: str | Path, slugs: dict[str, str], groups: Mapping[str, Sequence[str]]
) -> list[benchmark.BenchmarkTable]:
    """England's RAA benchmarking tables: each region's released rows for its own RAAs, as
    released, one after another in region order (published once: the national picture adds no
    second copy with a suppression pattern of its own), with each RAA's comparator group (its
    ``groups``) computed from those released rows (:func:`benchmark.released_comparators`: a
    group pools RAAs of several regions, which no region's own protection sees). A region
    without the table adds no rows; an indicator no region released is left out."""
    folders = [resolve(regions_dir) / slug / "tables" for slug in slugs.values()]
    out = []
    for name, indicator in benchmark.INDICATORS.items():
        table_name = benchmark.table_name(name)
        parts = [f for folder in folders if (f := _released(folder, table_name)) is not None]
        if not parts:
            continue
        declaration = None if indicator.population is None else BENCHMARK_DISCLOSURE
        table = pd.concat(parts, ignore_index=True)
        if declaration is not None and not benchmark.comparator_columns(table):
            table = benchmark.released_comparators(table, indicator, groups)
        out.append(benchmark.BenchmarkTable(table_name, table, declaration, indicator))
    return out
