"""Precision at planned sizes: MDE against statsmodels' TTestPower, the complete-case deflation of
n, RAA fixed effects in the df, the residual-SD range, and no observed power."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.power import TTestPower

from nps_analysis.step.model import fit_model
from nps_analysis.step.power import min_detectable_effect, power_two_sided, precision_table
from simulation.step import simulate_step


def mde_from_statsmodels(se: float, df: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """Independent MDE: TTestPower is a one-sample t-test with df = nobs - 1 and noncentrality
    d * sqrt(nobs); with nobs = df + 1 the coefficient test's noncentrality effect / se matches
    when effect = d * sqrt(df + 1) * se."""
    d = TTestPower().solve_power(
        effect_size=None, nobs=df + 1, alpha=alpha, power=power, alternative="two-sided"
    )
    return float(d) * np.sqrt(df + 1) * se


@pytest.mark.parametrize(("se", "df"), [(1.64, 199), (2.57, 40), (0.111, 880), (3.0, 12)])
def test_mde_matches_statsmodels_ttestpower(se: float, df: int):
    mde = min_detectable_effect(se, df)
    # statsmodels' own root finder stops at about 1e-6 relative; its power function is exact
    assert mde == pytest.approx(mde_from_statsmodels(se, df), rel=1e-5)
    d = mde / se / np.sqrt(df + 1)
    assert TTestPower().power(effect_size=d, nobs=df + 1, alpha=0.05) == pytest.approx(
        0.8, abs=1e-9
    )
    power = TTestPower().power(effect_size=1.5 / se / np.sqrt(df + 1), nobs=df + 1, alpha=0.05)
    assert float(power_two_sided(1.5, se, df)) == pytest.approx(power, rel=1e-8)


@pytest.fixture(scope="module")
def fitted():
    """400 families, 3% of every variable missing: about a quarter excluded."""
    return fit_model(simulate_step(400, seed=31, missing_rate=0.03))


def test_planned_n_is_deflated_by_the_complete_case_rate(fitted):
    table = precision_table(fitted, sizes=(235, 1000), raas=(1, 3), sd_multipliers=(1.0,))
    rate = fitted.n_used / fitted.n_total
    assert rate < 0.8
    k = len(fitted.covariates) + 1
    by_n = table.drop_duplicates("n").set_index("n")
    assert by_n.loc[235, "n_complete"] == int(np.floor(235 * rate))
    assert by_n.loc[235, "df_resid"] == int(np.floor(235 * rate)) - k
    # three RAAs: two fixed-effect parameters more
    assert by_n.loc[1000, "df_resid"] == int(np.floor(1000 * rate)) - k - 2
    row = table.loc[(table["term"] == "has_biological_children") & (table["n"] == 235)].iloc[0]
    se = row["residual_sd"] * np.sqrt(row["vif"]) / (np.sqrt(row["n_complete"]) * row["sd_x"])
    assert row["expected_std_error"] == pytest.approx(se)
    assert row["min_detectable_effect"] == pytest.approx(
        mde_from_statsmodels(se, int(row["df_resid"])), rel=1e-5
    )


def test_residual_sd_range_scales_the_precision(fitted):
    table = precision_table(fitted, sizes=(235,), raas=(1,), sd_multipliers=(0.5, 1.0, 2.0))
    sigma = float(np.sqrt(fitted.result.scale))
    assert sorted(table["residual_sd"].unique()) == pytest.approx([0.5 * sigma, sigma, 2 * sigma])
    wide = table.pivot(index="term", columns="sd_multiplier", values="ci_half_width")
    np.testing.assert_allclose(wide[2.0] / wide[1.0], 2.0)
    np.testing.assert_allclose(wide[0.5] / wide[1.0], 0.5)


def test_no_observed_power_and_fixed_effects_excluded():
    raas = ("Adopt East", "Adoption Connects", "Cambridgeshire & Peterborough Adoption")
    fitted = fit_model(simulate_step(600, seed=5, raas=raas))
    assert len(fitted.fixed_effects) == 2
    table = precision_table(fitted, sizes=(600,), raas=(3,), sd_multipliers=(1.0,))
    assert not table["term"].str.startswith("raa__").any()
    # with every family complete and the same three RAAs, df is the fitted model's
    assert (table["df_resid"] == fitted.df_resid).all()
    assert not any("power_at" in c or "effect_of_interest" in c for c in table.columns)


def test_mismatched_sizes_and_raas_are_refused(fitted):
    with pytest.raises(ValueError, match="same length"):
        precision_table(fitted, sizes=(235, 1000), raas=(1,))
