"""Sample profile: parents' conditions and children's diagnoses, with Wilson 95% CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.stats import wilson_ci
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


def kleene_any(frame: pd.DataFrame) -> pd.Series:
    """Row-wise "any" with unknowns: True if any True, False if all known False, else NA."""
    any_true = frame.fillna(False).astype(bool).any(axis=1)
    all_known = frame.notna().all(axis=1)
    return any_true.astype("boolean").mask(~any_true & ~all_known)


def profile_flags(df: pd.DataFrame) -> pd.DataFrame:
    """The profile's indicator columns (nullable boolean; NA where the answer is unknown)."""
    cols = [*PARENT_CONDITIONS, *CHILD_DIAGNOSES, "dv_exposure", "has_biological_children"]
    b = df.loc[:, cols].astype("boolean")
    anx, dep = b["parent_anxiety"], b["parent_depression"]
    derived = pd.DataFrame(
        {
            "parent_no_condition": ~kleene_any(b.loc[:, list(PARENT_CONDITIONS)]),
            "parent_anxiety_only": anx & ~dep,
            "parent_anxiety_and_depression": anx & dep,
            "parent_depression_only": dep & ~anx,
            "dx_any": kleene_any(b.loc[:, list(CHILD_DIAGNOSES)]),
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


PUBLISHED_PROFILE_MAP: dict[str, str] = {
    "parent_anxiety": "parent_anxiety_only",
    "parent_depression": "parent_depression_only",
    "child_any_diagnosis": "dx_any",
}
"""Published `characteristic` -> profile row, where they differ.

The report's parent percentages are mutually exclusive categories summing to 100% (58% none, 15%
anxiety, 10% anxiety and depression, 11% chronic illness, 4% depression, 2% disability), so its
"anxiety" (15%) is anxiety without depression; the STEP column `parent_anxiety` means anxiety with or
without depression (published equivalent 15% + 10% = 25%). Chronic illness and disability are
compared with the column as-is, although the report may have counted them exclusively.
"""


def published_profile(published: pd.DataFrame) -> pd.DataFrame:
    """Published percentages keyed by profile row: `characteristic, published_pct, figure_id`."""
    pct = published.loc[
        published["unit"].eq("percent") & published["subject"].isin(["parent", "child"])
    ]
    return pd.DataFrame(
        {
            "characteristic": pct["characteristic"].replace(PUBLISHED_PROFILE_MAP).to_numpy(),
            "published_pct": pd.to_numeric(pct["value"]).to_numpy(),
            "figure_id": pct["figure_id"].to_numpy(),
        }
    ).drop_duplicates("characteristic")


def compare_profile(profile: pd.DataFrame, published: pd.DataFrame | None) -> pd.DataFrame:
    """The estimated profile beside the published percentages.

    `published` is `load_published("step_profile")` (or None). `within_ci` says whether the
    published % lies inside the estimate's Wilson CI (blank where the report gives no figure).
    """
    if published is None or published.empty:
        out = profile.assign(published_pct=np.nan, figure_id="")
    else:
        out = profile.merge(published_profile(published), on="characteristic", how="left")
    inside = out["published_pct"].between(out["ci_low"], out["ci_high"])
    out["within_ci"] = inside.astype("boolean").mask(out["published_pct"].isna())
    out["figure_id"] = out["figure_id"].fillna("")
    return out


__all__ = [
    "PROFILE_LABELS",
    "PUBLISHED_PROFILE_MAP",
    "compare_profile",
    "kleene_any",
    "profile_flags",
    "published_profile",
    "sample_profile",
    "wilson_ci",
]
