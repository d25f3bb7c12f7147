"""RAA benchmarking: rates, funnel limits, bands and comparator groups (issue 21 part 1)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nps_analysis.asgsf.years import fy_start
from nps_analysis.paths import PROJECT_ROOT
from nps_analysis.regional import benchmark, comparators, rates
from nps_analysis.regional.context import (
    adopted_population_by_year,
    adopted_population_by_year_region,
)
from nps_analysis.regions import pan_regions_raas, raas_of

PUBLIC = PROJECT_ROOT / "data" / "processed" / "public"
PACKAGES = PROJECT_ROOT / "data" / "processed" / "asgsf_packages.parquet"


def _poisson_cdf(r: int, mean: float) -> float:
    """P(X <= r) by summing the Poisson probabilities (independent of scipy)."""
    return sum(math.exp(k * math.log(mean) - mean - math.lgamma(k + 1)) for k in range(r + 1))


def _interpolated_quantile(mean: float, p: float) -> float:
    r = 0
    while _poisson_cdf(r, mean) < p:
        r += 1
    upper, lower = _poisson_cdf(r, mean), _poisson_cdf(r - 1, mean) if r else 0.0
    return r - (upper - p) / (upper - lower)


def test_poisson_quantile_matches_a_hand_worked_value() -> None:
    # mean 10: F(16) = 0.97296, F(17) = 0.98572: the 97.5% point is 17 - 0.01072 / 0.01276 = 16.160
    assert benchmark.poisson_quantile(10.0, 0.975) == pytest.approx(16.160, abs=1e-3)
    assert benchmark.poisson_quantile(10.0, 0.975) == pytest.approx(
        _interpolated_quantile(10.0, 0.975), rel=1e-12
    )
    # lower 2.5% point: F(3) = 0.01034, F(4) = 0.02925 -> 4 - (0.02925 - 0.025) / 0.01891
    assert benchmark.poisson_quantile(10.0, 0.025) == pytest.approx(3.775, abs=1e-3)


@pytest.mark.parametrize("coverage", [0.95, 0.998])
def test_funnel_limit_at_a_known_population(coverage: float) -> None:
    """England's rate 230 per 1,000 at 1,000 children: 230 expected packages."""
    low, high = benchmark.poisson_limits(230.0, np.array([1000.0]), coverage)
    tail = (1 - coverage) / 2
    assert low[0] == pytest.approx(_interpolated_quantile(230.0, tail), rel=1e-9)
    assert high[0] == pytest.approx(_interpolated_quantile(230.0, 1 - tail), rel=1e-9)
    z = {0.95: 1.959964, 0.998: 3.090232}[coverage]  # normal approximation: within a count
    assert high[0] == pytest.approx(230 + z * math.sqrt(230), abs=1.5)
    assert low[0] == pytest.approx(230 - z * math.sqrt(230), abs=1.5)


def test_binomial_limits_match_a_hand_worked_value() -> None:
    # 30% of 100: 30 +/- 1.959964 * sqrt(0.3 * 0.7 / 100) * 100 = 30 +/- 8.982
    low, high = benchmark.binomial_limits(30.0, np.array([100.0]), 0.95)
    assert low[0] == pytest.approx(21.018, abs=1e-3)
    assert high[0] == pytest.approx(38.982, abs=1e-3)


def test_bands_against_limits_and_quarters() -> None:
    limits = {
        0.95: (np.full(5, 90.0), np.full(5, 110.0)),
        0.998: (np.full(5, 80.0), np.full(5, 120.0)),
    }
    names = benchmark.band_names([0.95, 0.998])
    got = benchmark.limit_band(np.array([79.0, 85.0, 100.0, 115.0, 121.0]), limits)
    assert got == list(names)
    assert benchmark.quarter_band([1.0, 2.5, 3.5, 9.0], [1, 2, 3, 4, 5]) == [
        benchmark.QUARTER_BANDS[0],
        benchmark.QUARTER_BANDS[1],
        benchmark.QUARTER_BANDS[2],
        benchmark.QUARTER_BANDS[3],
    ]


def test_band_wording_judges_no_direction() -> None:
    judging = re.compile(r"\b(better|worse|best|worst|good|poor|concern|outlier)\b", re.I)
    wording = [*benchmark.band_names([0.95, 0.998]), *benchmark.QUARTER_BANDS]
    assert not [w for w in wording if judging.search(w)]


def _fixture() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[str, ...]]]:
    ref = pan_regions_raas()[["region", "raa"]]
    values = ref.assign(count=[10 * (i + 1) for i in range(len(ref))])
    population = ref.assign(estimate=1000.0, low=900.0, high=1100.0)
    raas = ref["raa"].tolist()
    groups = {
        r: tuple(raas[(i + 1) % 30 : (i + 1) % 30 + 2] or raas[:2]) for i, r in enumerate(raas)
    }
    return values, population, groups


def test_rates_and_pooled_areas_match_hand_computed_values() -> None:
    values, population, groups = _fixture()
    eastern = raas_of("Eastern")
    table = benchmark.benchmark_table(
        benchmark.INDICATORS["packages"], values, values, population, eastern, groups
    ).set_index("raa")
    counts = values.set_index("raa")["count"]
    first = eastern[0]
    assert table.loc[first, "rate"] == pytest.approx(counts[first])  # count per 1,000 of 1,000
    assert table.loc[first, "rate_low"] == pytest.approx(1000 * counts[first] / 1100)
    assert table.loc[first, "rate_high"] == pytest.approx(1000 * counts[first] / 900)
    total = counts.sum()
    assert table.loc[first, "england_count"] == total
    assert table.loc[first, "england_rate"] == pytest.approx(1000 * total / 30000)
    region_total = counts[eastern].sum()
    assert table.loc[first, "region_rate"] == pytest.approx(
        1000 * region_total / (1000 * len(eastern))
    )
    group = groups[first]
    assert table.loc[first, "comparator_rate"] == pytest.approx(counts[list(group)].sum() / 2)
    assert table.loc[first, "comparators"] == "; ".join(group)
    low, high = benchmark.poisson_limits(1000 * total / 30000, np.array([1000.0]), 0.998)
    assert table.loc[first, "limit_998_low"] == pytest.approx(low[0])
    assert table.loc[first, "limit_998_high"] == pytest.approx(high[0])


def test_shares_use_the_base_and_wilson_intervals() -> None:
    values, population, groups = _fixture()
    shares = values.assign(base=values["count"] * 4)  # 25% everywhere
    table = benchmark.benchmark_table(
        benchmark.INDICATORS["aged_12_plus"], shares, shares, population, raas_of("London"), groups
    )
    assert table["rate"].tolist() == pytest.approx([25.0] * len(table))
    k, n = float(table["count"].iloc[0]), float(table["base"].iloc[0])
    z = 1.959963985
    centre = (k + z * z / 2) / (n + z * z)
    half = z * math.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    assert table["rate_low"].iloc[0] == pytest.approx(100 * (centre - half), rel=1e-6)
    assert table["rate_high"].iloc[0] == pytest.approx(100 * (centre + half), rel=1e-6)
    assert set(table["band"]) == {benchmark.band_names([0.95, 0.998])[2]}  # at England's rate


def test_open_case_rates_leave_an_raa_without_a_return_blank() -> None:
    values, population, groups = _fixture()
    missing = raas_of("Eastern")[0]
    table = benchmark.benchmark_table(
        benchmark.INDICATORS["open_cases"],
        values.loc[values["raa"] != missing],
        values.loc[values["raa"] != missing],
        population,
        raas_of("Eastern"),
        groups,
        absent_is_zero=False,
    ).set_index("raa")
    assert pd.isna(table.loc[missing, "count"]) and table.loc[missing, "band"] == ""
    assert table["england_raas"].iloc[0] == 29
    assert table["england_denominator"].iloc[0] == 29000  # the RAAs with a return only


def test_a_region_without_any_return_has_no_region_count() -> None:
    """South West made no open-case return: its pooled count is not available (blank, shown
    as [x]), not a zero that England minus the other regions would give away."""
    values, population, groups = _fixture()
    south_west = raas_of("South West")
    returned = values.loc[~values["raa"].isin(south_west)]
    table = benchmark.benchmark_table(
        benchmark.INDICATORS["open_cases"],
        returned,
        returned,
        population,
        south_west,
        groups,
        absent_is_zero=False,
    )
    assert (table["region_raas"] == 0).all()
    for column in ("region_count", "region_denominator", "region_rate", "count"):
        assert table[column].isna().all(), column
    assert (table["england_raas"] == 30 - len(south_west)).all()
    assert table["england_count"].notna().all()


@pytest.mark.skipif(not PACKAGES.is_file(), reason="processed data not built")
def test_package_rates_agree_with_the_rates_module() -> None:
    packages = pd.read_parquet(PACKAGES)
    eastern = packages.loc[packages["region"].astype(str) == "Eastern"]
    year = benchmark.benchmark_year(packages, "latest")
    expected = rates.packages_per_1000(
        eastern,
        adopted_population_by_year("Eastern", PUBLIC),
        adopted_population_by_year_region("Eastern", PUBLIC),
    )
    expected = expected.loc[expected["financial_year"] == year].set_index("raa")
    groups = comparators.groups_of(comparators.comparator_groups(PUBLIC))
    table = benchmark.benchmark_table(
        benchmark.INDICATORS["packages"],
        benchmark.package_values(eastern, year)["packages"],
        benchmark.package_values(packages, year)["packages"],
        benchmark.raa_population(PUBLIC, fy_start(year) + 1),
        raas_of("Eastern"),
        groups,
    ).set_index("raa")
    for raa in raas_of("Eastern"):
        assert table.loc[raa, "count"] == expected.loc[raa, "packages"]
        for column, other in (
            ("rate", "rate_per_1000"),
            ("rate_low", "rate_low"),
            ("rate_high", "rate_high"),
        ):
            assert table.loc[raa, column] == pytest.approx(expected.loc[raa, other], rel=1e-12)


def test_nearest_neighbours_on_a_hand_worked_frame() -> None:
    frame = pd.DataFrame(
        {"region": ["R"] * 4, "raa": ["A", "B", "C", "D"], "x": [0.0, 1.0, 3.0, 4.0]}
    )
    got = comparators.nearest_neighbours(frame, {"x": 1.0}, k=2)
    assert got.loc[got["raa"] == "A", "comparator"].tolist() == ["B", "C"]
    # B is 1 from A and 2 from C: A first; z-scores divide by the SD (1.5811 with ddof=0)
    assert got.loc[got["raa"] == "B", "comparator"].tolist() == ["A", "C"]
    sd = np.std([0.0, 1.0, 3.0, 4.0])
    assert got.loc[(got["raa"] == "B") & (got["rank"] == 2), "distance"].iloc[0] == pytest.approx(
        2 / sd
    )
    tied = comparators.nearest_neighbours(frame.assign(x=[0.0, 1.0, -1.0, 5.0]), {"x": 1.0}, k=1)
    assert tied.loc[tied["raa"] == "A", "comparator"].tolist() == ["B"]  # tie: by name


@pytest.mark.skipif(
    not (PUBLIC / "adopted_population_by_year.parquet").is_file(), reason="public data not built"
)
def test_comparator_groups_are_deterministic_and_documented() -> None:
    first = comparators.comparator_groups(PUBLIC)
    pd.testing.assert_frame_equal(first, comparators.comparator_groups(PUBLIC))
    groups = comparators.groups_of(first)
    assert set(groups) == set(pan_regions_raas()["raa"])
    k = int(comparators.comparator_params()["k"])
    assert all(len(set(g)) == k and raa not in g for raa, g in groups.items())
    doc = (Path(PROJECT_ROOT) / "docs" / "benchmarking.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| ([^|]+?) \| [^|]+? \| ([^|]+?) \|$", doc, flags=re.M))
    assert {raa: "; ".join(g) for raa, g in groups.items()} == {
        raa: documented.get(raa) for raa in groups
    }


def test_comparator_counts_are_declared_for_the_audit() -> None:
    values, _, groups = _fixture()
    declaration = benchmark.disclosure(
        benchmark.INDICATORS["packages"], groups, national_is_same_data=False
    )
    raa = values["raa"].iloc[0]
    members = declaration.members["comparator_count"]({"raa": raa})
    assert members == {"in_scope": "yes", "raa": groups[raa], "region": "*"}
    assert declaration.members["england_count"] == {"in_scope": "yes", "raa": "*", "region": "*"}
    assert declaration.populations["england_count"] == "national packages"
    assert declaration.grid == ("raa",)
    assert benchmark.disclosure(benchmark.INDICATORS["open_cases"], groups).grid == ()


def test_default_release_region_tables_leave_out_the_comparator_figures() -> None:
    """Issue #16: a comparator group pools RAAs of other regions, which one region's protection
    cannot see (the release audit recovered 343 cells through them). In the default release a
    region's table names its comparators but shows none of their figures, and declares none."""
    values, population, groups = _fixture()
    eastern = raas_of("Eastern")
    own = values.loc[values["raa"].isin(eastern)]
    indicator = benchmark.INDICATORS["packages"]
    full = benchmark.benchmark_table(indicator, own, values, population, eastern, groups)
    short = benchmark.benchmark_table(
        indicator, own, values, population, eastern, groups, with_comparators=False
    )
    assert benchmark.comparator_columns(full) == [
        "comparator_raas",
        "comparator_count",
        "comparator_denominator",
        "comparator_rate",
    ]
    assert not benchmark.comparator_columns(short) and "comparators" in short
    pd.testing.assert_frame_equal(short, full.drop(columns=benchmark.comparator_columns(full)))
    declaration = benchmark.disclosure(benchmark.INDICATORS["aged_12_plus"], groups)
    assert not [c for c in declaration.counts if c.startswith("comparator")]
    assert set(declaration.members) == set(declaration.counts)
