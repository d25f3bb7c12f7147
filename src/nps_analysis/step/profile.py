"""Sample profile: parents' conditions and children's diagnoses, with Wilson 95% CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from nps_analysis.step import CHILD_DIAGNOSES, PARENT_CONDITIONS

PROFILE_LABELS: dict[str, str] = {
    "parent_no_condition": "Parent: no condition, disability or mental health condition",
    "parent_anxiety_only": "Parent: anxiety (without depression)",
    "parent_anxiety_and_depression": "Parent: anxiety and depression",
    "parent_depression_only": "Parent: depression (without anxiety)",
    "parent_anxiety": "Parent: anxiety (with or without depression)",
    "parent_depression": "Parent: depression (with or without anxiety)",
    "parent_chronic_illness": "Parent: chronic illness",
    "parent_disability": "Parent: disability",
    "dx_any": "Child: at least one professional diagnosis",
    "dx_learning_difficulty": "Child: learning difficulty",
    "dx_autism": "Child: autism",
    "dx_fasd": "Child: FASD",
    "dx_ptsd": "Child: PTSD",
    "dx_attachment_disorder": "Child: attachment disorder",
    "dx_neurological": "Child: neurological condition",
    "dx_conduct_disorder": "Child: conduct disorder",
    "dv_exposure": "Child: previous exposure to domestic violence",
    "has_biological_children": "Family: has biological children",
}
"""Profile rows: key (a schema column or a derived flag) -> plain-words label."""


def wilson_ci(
    count: np.ndarray | pd.Series | int, n: np.ndarray | pd.Series | int, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for count/n (vectorised; NaN where n is 0)."""
    count_a = np.asarray(count, dtype=float)
    n_a = np.asarray(n, dtype=float)
    safe_n = np.where(n_a > 0, n_a, 1.0)
    low, high = proportion_confint(count_a, safe_n, alpha=alpha, method="wilson")
    low = np.where(n_a > 0, low, np.nan)
    high = np.where(n_a > 0, high, np.nan)
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def profile_flags(df: pd.DataFrame) -> pd.DataFrame:
    """The profile's indicator columns (nullable boolean; NA where the answer is unknown)."""
    b = df.loc[:, [*PARENT_CONDITIONS, *CHILD_DIAGNOSES, "dv_exposure", "has_biological_children"]]
    b = b.astype("boolean")
    parents = b.loc[:, list(PARENT_CONDITIONS)]
    anx, dep = b["parent_anxiety"], b["parent_depression"]
    derived = pd.DataFrame(
        {
            # Kleene logic: "none" is NA only when no condition is known and some are unknown.
            "parent_no_condition": ~parents.any(axis=1, skipna=True).astype("boolean")
            .mask(parents.isna().any(axis=1) & ~parents.any(axis=1, skipna=True)),
            "parent_anxiety_only": anx & ~dep,
            "parent_anxiety_and_depression": anx & dep,
            "parent_depression_only": dep & ~anx,
            "dx_any": b.loc[:, list(CHILD_DIAGNOSES)].any(axis=1, skipna=True).astype("boolean")
            .mask(b.loc[:, list(CHILD_DIAGNOSES)].isna().any(axis=1)
                  & ~b.loc[:, list(CHILD_DIAGNOSES)].any(axis=1, skipna=True)),
        }
    )
    return pd.concat([b, derived], axis=1).loc[:, list(PROFILE_LABELS)]


def sample_profile(df: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Counts, % and Wilson CIs for each profile row; `base` = families with a known answer."""
    flags = profile_flags(df)
    count = flags.sum(axis=0, skipna=True).astype(int)
    base = flags.notna().sum(axis=0).astype(int)
    low, high = wilson_ci(count.to_numpy(), base.to_numpy(), alpha)
    pct = np.where(base > 0, 100 * count / base.where(base > 0, 1), np.nan)
    return pd.DataFrame(
        {
            "characteristic": list(PROFILE_LABELS),
            "label": list(PROFILE_LABELS.values()),
            "count": count.to_numpy(),
            "base": base.to_numpy(),
            "pct": pct,
            "ci_low": 100 * low,
            "ci_high": 100 * high,
        }
    )


def compare_profile(profile: pd.DataFrame, published: pd.DataFrame | None) -> pd.DataFrame:
    """The estimated profile beside the published percentages (matched on `characteristic`).

    `published` needs `characteristic` and `value` (percent) columns; rows the report does not
    give are left blank. `within_ci` says whether the published % lies inside the Wilson CI.
    """
    out = profile.copy()
    if published is None or published.empty:
        out["published_pct"] = np.nan
    else:
        pub = published.loc[:, ["characteristic", "value"]].drop_duplicates("characteristic")
        out = out.merge(pub.rename(columns={"value": "published_pct"}), on="characteristic", how="left")
    out["within_ci"] = (out["published_pct"] >= out["ci_low"]) & (out["published_pct"] <= out["ci_high"])
    out["within_ci"] = out["within_ci"].astype("boolean").mask(out["published_pct"].isna())
    return out


__all__ = ["PROFILE_LABELS", "compare_profile", "profile_flags", "sample_profile", "wilson_ci"]
