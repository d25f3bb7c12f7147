"""STEP / TAYC-R statistics against hand-computed values: Wilson, Holm, effect sizes, power,
missing-data counts, profile, screening, diagnostics, published comparison."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.outliers_influence import variance_inflation_factor

from nps_analysis.errors import InputDataError
from nps_analysis.step import CANDIDATE_FACTORS, MODEL_COVARIATES, OUTCOME
from nps_analysis.step.compare import compare_effects, recovery_sentence
from nps_analysis.step.data import select_region
from nps_analysis.step.diagnostics import diagnose, interpret, vif_table
from nps_analysis.step.missing import (
    imputation_data,
    impute_and_fit,
    mice_sensitivity,
    missing_summary,
    rubin_pool,
)
from nps_analysis.step.model import coefficient_table, fit_model
from nps_analysis.step.narrative import describe_model, published_effects
from nps_analysis.step.power import (
    coefficient_se,
    min_detectable_effect,
    power_two_sided,
    precision_table,
)
from nps_analysis.step.profile import compare_profile, kleene_any, sample_profile, wilson_ci
from nps_analysis.step.screening import (
    cohens_d,
    eta_squared,
    merge_small_groups,
    screen_factors,
    screening_disclosure,
)
from simulation.step import simulate_step


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return simulate_step(600, seed=21, missing_rate=0.03)


PUBLISHED_REGRESSION = pd.DataFrame(
    {
        "figure_id": ["a", "b", "c", "d", "e"],
        "term": ["child_age", "child_age", "has_biological_children", "dx_fasd", "child_ethnicity"],
        "in_final_model": ["yes", "yes", "yes", "yes", "no"],
        "measure": [
            "coefficient_per_year",
            "effect_per_10_years",
            "approx_difference",
            "entered_no_estimate",
            "non_significant",
        ],
        "value_as_printed": [".474", "4.74", "nearly six points", None, None],
        "value": [-0.474, -4.74, -6.0, np.nan, np.nan],
    }
)


# --------------------------------------------------------------------------- Wilson, Holm, effects
def test_wilson_ci_hand_computed():
    # Wilson: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964
    low, high = wilson_ci(np.array([90, 0, 5]), np.array([235, 20, 5]))
    np.testing.assert_allclose(low, [0.3231825, 0.0, 0.5655175], atol=1e-7)
    np.testing.assert_allclose(high, [0.4465392, 0.1611252, 1.0], atol=1e-7)


def test_wilson_ci_empty_base_is_blank():
    low, high = wilson_ci(0, 0)
    assert np.isnan(low) and np.isnan(high)


def holm(p) -> np.ndarray:
    """Holm step-down adjusted p-values, an independent numpy computation (the package uses
    statsmodels' multipletests)."""
    p_a = np.asarray(p, dtype=float)
    m = len(p_a)
    order = np.argsort(p_a, kind="mergesort")
    stepped = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p_a[order]))
    out = np.empty(m)
    out[order] = stepped
    return out


def test_holm_hand_computed():
    # sorted p: .005*4=.02, .01*3=.03, .03*2=.06, .04*1=.04 -> running max .02 .03 .06 .06
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])


def test_holm_matches_statsmodels_multipletests():
    """18 p-values, as many as the screen tests, with ties and values near 1: 25 draws."""
    rng = np.random.default_rng(7)
    for _ in range(25):
        p = np.round(rng.beta(0.4, 1.0, 18), 3)  # rounding makes ties
        np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], atol=1e-12)


def test_cohens_d_and_eta_squared_hand_computed():
    # means 2 and 4; variances 1 and 4; pooled (2*1 + 2*4) / 4 = 2.5
    assert cohens_d(np.array([1.0, 2, 3]), np.array([2.0, 4, 6])) == pytest.approx(
        -2 / np.sqrt(2.5)
    )
    # group means 1.5, 3.5; grand 2.5; SSB = 4, SST = 5
    assert eta_squared(np.array([1.0, 2, 3, 4]), np.array(list("aabb"))) == pytest.approx(0.8)


# ------------------------------------------------------------------------------------------- power
def test_coefficient_se_and_mde_hand_computed():
    # binary factor, prevalence 0.15, n = 235, residual SD 9: SE = 9 / sqrt(235 * .15 * .85)
    se = float(coefficient_se(9.0, 235, np.sqrt(0.15 * 0.85)))
    assert se == pytest.approx(1.6441956, abs=1e-6)
    mde = min_detectable_effect(se, df=224)
    # normal approximation (1.959964 + 0.841621) * SE = 4.6064; exact t is slightly larger
    assert 4.6064 < mde < 4.6064 * 1.01
    assert float(power_two_sided(mde, se, 224)) == pytest.approx(0.8, abs=1e-9)
    # power at 0 is the test size; large df -> the normal MDE
    assert float(power_two_sided(0.0, se, 224)) == pytest.approx(0.05)
    assert min_detectable_effect(1.0, df=10**7) == pytest.approx(2.8015852, abs=1e-5)


def test_precision_at_the_extract_size_reproduces_the_fitted_standard_errors():
    """Planned n = this extract's n_total: n_complete is the families used, and the expected SEs
    are the observed ones (the old calculation used all families, missing ones included)."""
    df = simulate_step(1000, seed=9, missing_rate=0.03)
    fitted = fit_model(df)
    assert fitted.n_excluded > 100
    table = precision_table(fitted, sizes=(1000,), raas=(1,), sd_multipliers=(1.0,))
    assert (table["n_complete"] == fitted.n_used).all()
    assert (table["df_resid"] == fitted.df_resid).all()
    observed = coefficient_table(fitted).set_index("term")["std_error"]
    expected = table.set_index("term")["expected_std_error"]
    np.testing.assert_allclose(expected, observed.loc[expected.index], rtol=1e-6)
    assert set(table["kind"]) == {"binary", "continuous"}
    assert not {"power_at_effect", "effect_of_interest"} & set(table.columns)


def test_ci_half_width_shrinks_with_root_n():
    fitted = fit_model(simulate_step(500, seed=8))
    t = precision_table(fitted, sizes=(235, 940), raas=(1, 1), sd_multipliers=(1.0,)).pivot(
        index="term", columns="n", values="ci_half_width"
    )
    ratio = t[235] / t[940]
    assert ratio.between(1.95, 2.1).all(), ratio


# ------------------------------------------------------------------------------------ missing data
def test_missing_summary_counts_by_hand():
    df = simulate_step(6, seed=1)
    df.loc[0, OUTCOME] = np.nan  # outcome only
    df.loc[1, "child_age"] = np.nan  # one covariate
    df.loc[2, ["dx_fasd", "dv_exposure"]] = pd.NA  # two covariates, one row
    df.loc[3, [OUTCOME, "parent_anxiety"]] = [np.nan, pd.NA]  # outcome and covariate
    df.loc[4, "dx_conduct_disorder"] = pd.NA  # not a model variable: does not exclude
    table = missing_summary(df).set_index("variable")["n_missing"]
    assert table[OUTCOME] == 2
    assert table["child_age"] == 1 and table["dx_fasd"] == 1 and table["parent_anxiety"] == 1
    assert table["outcome_only"] == 1
    assert table["any_covariate"] == 3
    assert table["any_model_variable"] == 4
    assert table["complete_cases"] == 2
    assert fit_n_excluded_matches(df, 4)


def fit_n_excluded_matches(df: pd.DataFrame, expected: int) -> bool:
    big = pd.concat([df, simulate_step(200, seed=2)], ignore_index=True)
    return fit_model(big).n_excluded == expected


def test_mice_sensitivity_is_seeded_and_pools_with_barnard_rubin_t(extract):
    kwargs = {"seed": 5, "n_burnin": 1, "n_imputations": 3}
    first = mice_sensitivity(extract, **kwargs)
    pd.testing.assert_frame_equal(first, mice_sensitivity(extract, **kwargs))
    assert first["term"].tolist() == ["Intercept", *MODEL_COVARIATES]
    # the pooled table is Rubin's rules over the same seeded per-imputation fits
    data, terms = imputation_data(extract)
    est, var = impute_and_fit(data, terms, **kwargs)
    pooled = rubin_pool(est, var, len(extract) - len(MODEL_COVARIATES) - 1)
    np.testing.assert_allclose(first["mi_estimate"], pooled["estimate"], rtol=1e-12)
    # intervals use t(Barnard-Rubin df), wider than the normal reference the old code used
    half = (first["mi_ci_high"] - first["mi_estimate"]) / first["mi_std_error"]
    np.testing.assert_allclose(half, stats.t.ppf(0.975, first["mi_df"]), rtol=1e-10)
    assert (half > stats.norm.ppf(0.975) + 1e-4).all()
    assert (first["mi_df"] < len(extract) - len(MODEL_COVARIATES) - 1).all()


def test_mice_refuses_complete_data():
    with pytest.raises(ValueError, match="nothing to impute"):
        mice_sensitivity(simulate_step(100, seed=1))


# ---------------------------------------------------------------------------------------- profile
def test_kleene_any():
    frame = pd.DataFrame(
        {
            "a": pd.array([True, False, False, pd.NA], dtype="boolean"),
            "b": pd.array([pd.NA, False, pd.NA, pd.NA], dtype="boolean"),
        }
    )
    assert kleene_any(frame).tolist() == [True, False, pd.NA, pd.NA]


def test_sample_profile_counts_and_bases(extract):
    profile = sample_profile(extract).set_index("characteristic")
    autism = extract["dx_autism"]
    assert profile.loc["dx_autism", "count"] == int(autism.sum())
    assert profile.loc["dx_autism", "base"] == int(autism.notna().sum())
    both = extract["parent_anxiety"] & extract["parent_depression"]
    assert profile.loc["parent_anxiety_and_depression", "count"] == int(both.sum())
    low, high = profile.loc["dx_autism", ["ci_low", "ci_high"]]
    assert low < profile.loc["dx_autism", "pct"] < high


def test_compare_profile_maps_exclusive_published_categories(extract):
    published = pd.DataFrame(
        {
            "figure_id": ["x", "y"],
            "subject": ["parent", "child"],
            "characteristic": ["parent_anxiety", "child_any_diagnosis"],
            "unit": ["percent", "percent"],
            "value": [15.0, 38.0],
        }
    )
    out = compare_profile(sample_profile(extract), published).set_index("characteristic")
    assert out.loc["parent_anxiety_only", "published_pct"] == 15.0
    assert out.loc["dx_any", "published_pct"] == 38.0
    assert np.isnan(out.loc["parent_anxiety", "published_pct"])


# -------------------------------------------------------------------------------------- screening
def test_screening_table(extract):
    table = screen_factors(extract)
    assert table["factor"].tolist() == list(CANDIDATE_FACTORS)
    # the screen's statsmodels Holm adjustment against the independent numpy step-down
    np.testing.assert_allclose(table["p_holm"], holm(table["p_value"]), atol=1e-12)
    row = table.set_index("factor").loc["has_biological_children"]
    sub = extract.loc[:, ["has_biological_children", OUTCOME]].dropna()
    assert row["n_with"] == int(sub["has_biological_children"].sum())
    assert row["difference"] == pytest.approx(row["mean_with"] - row["mean_without"])
    age = table.set_index("factor").loc["child_age"]
    assert age["effect_measure"] == "r" and age["difference"] < 0
    eth = table.set_index("factor").loc["child_ethnicity"]
    assert eth["effect_measure"] == "eta squared" and 0 <= eth["effect_size"] < 1
    assert table.set_index("factor")["in_published_model"].sum() == len(MODEL_COVARIATES)


def test_small_ethnic_groups_are_merged_before_anova():
    groups = np.array(["a"] * 50 + ["b"] * 20 + ["c"] * 3 + ["d"] * 2)
    labels, sizes = np.unique(merge_small_groups(groups, 10), return_counts=True)
    assert dict(zip(labels, sizes, strict=True)) == {"a": 50, "Other (merged)": 25}
    big = np.array(["a"] * 50 + ["b"] * 20)
    assert (merge_small_groups(big, 10) == big).all()


def test_screening_disclosure_declares_every_float_column(extract):
    table = screen_factors(extract)
    keywords = screening_disclosure()
    declared = set(keywords["counts"]) | set(keywords["derived"])
    floats = {c for c in table.columns if pd.api.types.is_float_dtype(table[c])}
    assert floats <= declared
    assert set(keywords["derived"].values()) <= set(keywords["counts"])
    assert table["n_min_group"].min() >= 1


# ------------------------------------------------------------------------------------ diagnostics
def test_vif_matches_statsmodels(extract):
    fitted = fit_model(extract)
    x = fitted.result.model.exog
    expected = [variance_inflation_factor(x, i) for i in range(1, x.shape[1])]
    np.testing.assert_allclose(vif_table(fitted)["vif"], expected, rtol=1e-9)


def test_diagnostics_interpretation_follows_the_numbers():
    n = 2000
    rng = np.random.default_rng(0)
    df = simulate_step(n, seed=0)
    # make the residual spread grow with the child's age: Breusch-Pagan must notice
    df[OUTCOME] = 60 + rng.normal(0, 1, n) * (0.2 + df["child_age"].to_numpy())
    diag = diagnose(fit_model(df))
    assert diag.breusch_pagan_p < 0.001
    text = " ".join(interpret(diag))
    assert "finds a residual spread that changes" in text and "HC3" in text
    calm = diagnose(fit_model(simulate_step(n, seed=1)))
    assert calm.max_vif < 5 and "No worrying collinearity" in " ".join(interpret(calm))


# --------------------------------------------------------------------------- published comparison
def test_compare_effects_scales_age_and_flags_coverage(extract):
    coefs = coefficient_table(fit_model(extract))
    out = compare_effects(coefs, PUBLISHED_REGRESSION, "synthetic").set_index("figure_id")
    age = coefs.set_index("term").loc["child_age"]
    assert out.loc["b", "estimate"] == pytest.approx(10 * age["estimate"])
    assert out.loc["b", "ci_low"] == pytest.approx(10 * age["ci_low"])
    assert pd.isna(out.loc["d", "published_within_ci"])
    assert "e" not in out.index  # not in the final model
    assert out["comparison"].str.contains("parameter recovery").all()
    sentence = recovery_sentence(out.reset_index(), "synthetic")
    assert "parameter recovery" in sentence and "not a replication" in sentence
    assert "recovery" not in recovery_sentence(out.reset_index(), "microdata")


def test_narrative_mentions_synthetic_and_numbers(extract):
    from nps_analysis.step.model import age_effects, model_fit_table

    fitted = fit_model(extract)
    coefs = coefficient_table(fitted)
    lines = describe_model(coefs, model_fit_table(fitted), age_effects(fitted), "synthetic")
    assert any(f"{fitted.n_used} families" in line for line in lines)
    assert "parameter recovery" in lines[-1]
    basis = f"df = {fitted.df_resid}, n = {fitted.n_used}"
    intervals = [line for line in lines if re.search(r"CI -?\d", line)]
    assert len(intervals) >= len(MODEL_COVARIATES) and all(basis in x for x in intervals)
    assert any(x.startswith("What these data cannot show") for x in lines)
    assert published_effects(PUBLISHED_REGRESSION) == {
        "child_age": -0.474,
        "has_biological_children": -6.0,
    }


def test_select_region():
    df = simulate_step(50, seed=1)
    assert len(select_region(df, "Eastern")) == 50
    assert len(select_region(df, None)) == 50
    with pytest.raises(InputDataError, match="no rows for region 'London'"):
        select_region(df, "London")


def test_limits_name_the_terms_whose_interval_spans_zero_in_readers_words():
    from nps_analysis.step.narrative import limits

    coefficients = pd.DataFrame(
        {
            "term": ["Intercept", "parent_anxiety", "dx_fasd", "dx_autism", "child_age"],
            "ci_low": [50.0, -4.6, -7.2, -6.7, -0.7],
            "ci_high": [60.0, 0.6, 1.2, 0.7, -0.3],
        }
    )
    fit = pd.DataFrame({"n_used": [210], "df_resid": [199]})
    spans = limits(coefficients, fit)[1]
    assert spans.startswith("For parent anxiety, FASD and autism the 95% CI includes zero")
    assert "_" not in spans and "the child's age" not in spans
