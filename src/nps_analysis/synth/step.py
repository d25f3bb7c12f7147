"""Synthetic STEP family extract (s6.1 Eastern highlight), reproducing the published profile.

Exact (counts from the printed percentages of n = 235, largest remainder / half-up rounding):
parents' conditions (mutually exclusive groups: none 58%, anxiety 15%, anxiety and depression
10%, chronic illness 11%, depression 4%, disability 2%); children with any diagnosis (n = 90) and
each diagnosis rate (learning difficulty 20%, autism 13%, attachment disorder 11%, PTSD 5%,
conduct disorder 3%). The outcome follows a linear model whose complete-case OLS fit reproduces
the published effects exactly (residuals are made orthogonal to the design). Everything else is an
ASSUMPTION in params.yaml synth.step.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.rounding import round_count, round_half_up
from nps_analysis.step import CHILD_DIAGNOSES, PARENT_CONDITIONS
from nps_analysis.synth.apportion import largest_remainder
from nps_analysis.synth.common import fig, published, rng_for

PARENT_GROUPS = {  # published mutually exclusive group -> flags set
    "parent_no_condition": (),
    "parent_anxiety": ("parent_anxiety",),
    "parent_anxiety_and_depression": ("parent_anxiety", "parent_depression"),
    "parent_chronic_illness": ("parent_chronic_illness",),
    "parent_depression": ("parent_depression",),
    "parent_disability": ("parent_disability",),
}
PARENT_FLAGS = PARENT_CONDITIONS
DIAGNOSES = CHILD_DIAGNOSES
OPTIONAL_BLANKS = (
    "dv_exposure",
    "has_biological_children",
    "child_ethnicity",
    "child_age_at_entry_to_care",
    "child_age_at_placement",
    "receiving_support",
)


def profile_counts(params: dict[str, Any]) -> dict[str, int]:
    """Counts implied by the published profile (and the assumed FASD / neurological rates)."""
    t = published("step_profile")
    n = int(fig("step.parents.n"))
    pct = t[(t["measure"] == "percent") & t["subject"].isin(["parent", "child"])]
    pct = dict(zip(pct["characteristic"], pct["value"].astype(float), strict=True))
    groups = list(PARENT_GROUPS)
    counts = dict(
        zip(groups, largest_remainder(n, np.array([pct[g] for g in groups])).tolist(), strict=True)
    )
    counts["n"] = n
    counts["child_any_diagnosis"] = int(fig("step.child_any_diagnosis.n"))
    for dx in DIAGNOSES:
        rate = pct.get(dx, params.get(f"{dx}_pct"))
        counts[dx] = round_count(rate * n / 100)
    return counts


def effects(params: dict[str, Any]) -> dict[str, float]:
    """Outcome model effects: published where printed, assumed where the report is silent."""
    t = published("step_regression")
    t = t[
        (t["in_final_model"] == "yes")
        & t["value"].notna()
        & t["measure"].isin(["coefficient_per_year", "approx_difference"])
    ]
    out = dict(zip(t["term"], t["value"].astype(float), strict=True))
    for term, value in params["unpublished_effects"].items():
        out.setdefault(term, float(value))
    return out


def _assign_diagnoses(
    rng: np.random.Generator, counts: dict[str, int], n: int
) -> dict[str, np.ndarray]:
    """Diagnoses only among the children with any diagnosis; each of them has at least one."""
    k = counts["child_any_diagnosis"]
    diagnosed = np.sort(rng.choice(n, k, replace=False))
    tokens = rng.permutation(
        np.concatenate([np.full(counts[d], j) for j, d in enumerate(DIAGNOSES)])
    )
    if len(tokens) < k or max(counts[d] for d in DIAGNOSES) > k:
        raise ValueError("diagnosis counts are inconsistent with the number of children diagnosed")
    has = np.zeros((k, len(DIAGNOSES)), dtype=bool)
    has[np.arange(k), tokens[:k]] = True
    for j in tokens[k:]:
        free = np.flatnonzero(~has[:, j])
        has[rng.choice(free), j] = True
    full = np.zeros((n, len(DIAGNOSES)), dtype=bool)
    full[diagnosed] = has
    return {d: full[:, j] for j, d in enumerate(DIAGNOSES)}


def _exact_count(rng: np.random.Generator, n: int, pct: float) -> np.ndarray:
    flags = np.zeros(n, dtype=bool)
    flags[rng.choice(n, round_count(pct * n / 100), replace=False)] = True
    return flags


def generate(params: dict[str, Any], seed: int) -> pd.DataFrame:
    """One row per family."""
    p = params
    rng = rng_for(seed, "step")
    counts = profile_counts(p)
    n = counts["n"]
    df = pd.DataFrame(
        {"family_id": [f"SYN-F{i:04d}" for i in range(1, n + 1)], "region": "Eastern"}
    )
    raa_names = list(p["raa_shares"])
    per_raa = largest_remainder(n, np.array([p["raa_shares"][r] for r in raa_names], dtype=float))
    df["raa"] = np.repeat(raa_names, per_raa)
    # ages in tenths of a year: entry to care <= placement <= current age
    age = rng.integers(int(p["child_age_min"]), int(p["child_age_max"]) + 1, n) * 10
    entry = np.minimum((rng.beta(1.2, 4.0, n) * np.minimum(age, 80)).astype(int), age)
    placement = np.minimum(entry + (rng.gamma(2.0, 6.0, n)).astype(int) + 3, age)
    df["child_age"] = age / 10
    df["child_age_at_entry_to_care"] = entry / 10
    df["child_age_at_placement"] = placement / 10
    eth = list(p["ethnicity_shares"])
    eth_n = largest_remainder(n, np.array([p["ethnicity_shares"][e] for e in eth], dtype=float))
    df["child_ethnicity"] = rng.permutation(np.repeat(eth, eth_n))
    df["dv_exposure"] = _exact_count(rng, n, p["dv_exposure_pct"])
    df["has_biological_children"] = _exact_count(rng, n, p["has_biological_children_pct"])
    groups = rng.permutation(np.repeat(list(PARENT_GROUPS), [counts[g] for g in PARENT_GROUPS]))
    for flag in PARENT_FLAGS:
        df[flag] = np.isin(groups, [g for g, flags in PARENT_GROUPS.items() if flag in flags])
    for dx, values in _assign_diagnoses(rng, counts, n).items():
        df[dx] = values
    df["receiving_support"] = _exact_count(rng, n, p["receiving_support_pct"])
    df["tayc_r_total"] = _outcome(rng, df, p)
    # blanks: outcome and the optional covariates (profile variables stay complete so it is exact)
    df["tayc_r_total"] = df["tayc_r_total"].where(~df["_outcome_blank"])
    df = df.drop(columns="_outcome_blank")
    for col in OPTIONAL_BLANKS:
        blank = df.pop(f"_blank_{col}")
        df[col] = df[col].astype(object).where(~blank, None)
    return df


def _outcome(rng: np.random.Generator, df: pd.DataFrame, p: dict[str, Any]) -> np.ndarray:
    """TAYC-R totals whose complete-case OLS reproduces the effects exactly (to rounding)."""
    n = len(df)
    beta = effects(p)
    terms = list(beta)
    for col in OPTIONAL_BLANKS:
        df[f"_blank_{col}"] = rng.random(n) < p["covariate_missing_pct"] / 100
    df["_outcome_blank"] = rng.random(n) < p["outcome_missing_pct"] / 100
    x = df[terms].to_numpy(dtype=float)
    mean = p["intercept"] + x @ np.array([beta[t] for t in terms])
    eps = rng.normal(0.0, p["residual_sd"], n)
    blanks = df[[f"_blank_{t}" for t in terms if t in OPTIONAL_BLANKS]].any(axis=1).to_numpy()
    complete = ~blanks & ~df["_outcome_blank"].to_numpy()
    design = np.column_stack([np.ones(complete.sum()), x[complete]])
    e = eps[complete]
    e = e - design @ np.linalg.lstsq(design, e, rcond=None)[0]  # orthogonal to the design
    eps[complete] = e / e.std(ddof=design.shape[1]) * p["residual_sd"]
    y = round_half_up(mean + eps, int(p["outcome_decimals"]))
    lo, hi = p["tayc_r_range"]
    if (y < lo).any() or (y > hi).any():
        raise ValueError(
            f"synthetic TAYC-R totals fall outside the assumed range {lo}-{hi}; "
            "adjust synth.step.intercept / residual_sd"
        )
    return y
