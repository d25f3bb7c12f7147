"""Design columns: category indicators and RAA fixed effects for extracts spanning several RAAs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_analysis.step import MODEL_COVARIATES, OUTCOME
from nps_analysis.step.design import indicators, slug, spans_several_raas
from nps_analysis.step.missing import imputation_data
from nps_analysis.step.model import coefficient_table, fit_model
from simulation.step import TRUE_COEFFICIENTS, simulate_step

EASTERN = ("Adopt East", "Adoption Connects", "Cambridgeshire & Peterborough Adoption")


def test_indicators_reference_merging_and_missing():
    values = pd.Series(
        pd.array(
            ["White British"] * 30 + ["Mixed"] * 12 + ["Asian"] * 4 + ["Black"] * 7 + [None],
            dtype="string",
        )
    )
    out = indicators(values, "child_ethnicity")
    # Asian (4) + Black (7) merge to 11; White British is the reference (largest)
    assert list(out.columns) == ["child_ethnicity__mixed", "child_ethnicity__other_merged"]
    assert out["child_ethnicity__mixed"].sum() == 12
    assert out["child_ethnicity__other_merged"].sum() == 11
    assert out.iloc[-1].isna().all()
    assert (out.iloc[:30] == 0).all().all()


@pytest.fixture(scope="module")
def three_raas() -> pd.DataFrame:
    """900 families in the three Eastern RAAs, with RAA shifts of 0, +4 and -3 points."""
    df = simulate_step(900, seed=23, raas=EASTERN)
    shift = df["raa"].map(dict(zip(EASTERN, (0.0, 4.0, -3.0), strict=True))).to_numpy(dtype=float)
    df[OUTCOME] = df[OUTCOME] + shift
    return df


def test_raa_fixed_effects_enter_for_several_raas(three_raas):
    assert spans_several_raas(three_raas)
    fitted = fit_model(three_raas)
    assert len(fitted.fixed_effects) == 2 and fitted.effects == MODEL_COVARIATES
    assert "raa" in fitted.factors
    coefs = coefficient_table(fitted).set_index("term")
    # the reference is the largest RAA; contrasts between the three are recovered
    fe = coefs.loc[list(fitted.fixed_effects)]
    sizes = three_raas["raa"].astype(str).value_counts()
    shift = dict(zip(EASTERN, (0.0, 4.0, -3.0), strict=True))
    names = {f"raa__{slug(r)}": r for r in EASTERN}
    assert set(fe.index) == set(names) - {f"raa__{slug(sizes.idxmax())}"}
    for term in fe.index:
        true = shift[names[term]] - shift[sizes.idxmax()]
        assert abs(fe.loc[term, "estimate"] - true) < 4 * fe.loc[term, "std_error"], term
    # without them, the RAA shift correlates with nothing, but inflates the residual SD
    pooled = fit_model(three_raas, raa_effects=False)
    assert not pooled.fixed_effects
    assert np.sqrt(pooled.result.scale) > np.sqrt(fitted.result.scale) + 0.3
    z = (coefs.loc["child_age", "estimate"] - TRUE_COEFFICIENTS["child_age"]) / coefs.loc[
        "child_age", "std_error"
    ]
    assert abs(z) < 4


def test_single_raa_has_no_fixed_effects():
    df = simulate_step(300, seed=2)
    assert not spans_several_raas(df)
    assert fit_model(df).fixed_effects == ()


def test_imputation_model_carries_the_fixed_effects(three_raas):
    _, terms = imputation_data(three_raas)
    assert terms[: len(MODEL_COVARIATES)] == list(MODEL_COVARIATES)
    assert sum(t.startswith("raa__") for t in terms) == 2
