"""Practitioner FTE available for in-house delivery, per skill, with each person counted once.

Only staff in the practitioner roles (params.yaml `workforce.practitioner_roles`) count: team
managers and letter box staff do not deliver therapy. A person trained in several skills has their
FTE split equally across those skills (0.5 FTE trained in DDP and Theraplay gives 0.25 FTE to
each), so the FTE summed over skills equals the distinct trained practitioner FTE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nps_analysis.workforce.common import flag, present_skills

CAPACITY_COLUMNS = ["skill", "practitioner_staff", "practitioner_fte"]


def check_roles(roles: tuple[str, ...]) -> None:
    """Raise ValueError unless every role is in the role vocabulary of the workforce data set."""
    from nps_analysis.datasets.spec import get_vocabulary

    known = get_vocabulary("role").values
    bad = [r for r in roles if r not in known]
    if bad or not roles:
        raise ValueError(f"practitioner_roles {list(roles)}: use one or more of {list(known)}")


def practitioner_fte(
    workforce: pd.DataFrame, roles: tuple[str, ...], by: list[str] | None = None
) -> pd.DataFrame:
    """Trained practitioners and their allocated FTE per skill (optionally within `by` groups).

    Columns: *by, skill, practitioner_staff (staff in `roles` trained in the skill),
    practitioner_fte (their FTE divided by the number of skills each is trained in). Every
    skill with a flag column appears in every group present, zeros kept.
    """
    check_roles(roles)
    by = list(by or [])
    skill_list = present_skills(workforce)
    staff = workforce.loc[workforce["role"].astype(str).isin(roles)]
    trained = (
        np.column_stack([staff[flag(s)].to_numpy(dtype=bool, na_value=False) for s in skill_list])
        if skill_list
        else np.zeros((len(staff), 0), dtype=bool)
    )
    n_skills = trained.sum(axis=1)
    share = np.where(n_skills > 0, staff["fte"].to_numpy(dtype=float) / np.maximum(n_skills, 1), 0)
    parts = [
        pd.DataFrame(
            {
                **{c: staff[c].astype(str).to_numpy() for c in by},
                "skill": skill,
                "practitioner_staff": trained[:, j].astype("int64"),
                "practitioner_fte": np.where(trained[:, j], share, 0.0),
            }
        )
        for j, skill in enumerate(skill_list)
    ]
    long = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=[*by, *CAPACITY_COLUMNS])
    )
    out = long.groupby([*by, "skill"], sort=False)[["practitioner_staff", "practitioner_fte"]].sum()
    if by:
        groups = workforce[by].astype(str).drop_duplicates()
        index = pd.MultiIndex.from_frame(
            groups.merge(pd.DataFrame({"skill": skill_list}), how="cross")
        )
    else:
        index = pd.Index(skill_list, name="skill")
    out = out.reindex(index, fill_value=0).reset_index()
    out["practitioner_staff"] = out["practitioner_staff"].astype("int64")
    out["practitioner_fte"] = out["practitioner_fte"].astype(float)
    return out[[*by, *CAPACITY_COLUMNS]]
