"""Shared helpers for the workforce analysis: skills list, area filter, Wilson intervals."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

ENGLAND = "England"


@lru_cache(maxsize=1)
def skills() -> tuple[str, ...]:
    """Skill codes in the order of the published skills reference list (s5.2)."""
    from nps_analysis.published import load_reference

    return tuple(load_reference("skills")["skill"])


def flag(skill: str) -> str:
    """Workforce column holding the training flag of `skill` (e.g. ``trained_ddp``)."""
    return f"trained_{skill.lower()}"


def present_skills(workforce: pd.DataFrame) -> list[str]:
    """Skills of the reference list whose training flag is a column of `workforce`."""
    return [s for s in skills() if flag(s) in workforce.columns]


def role_order(roles: pd.Series) -> list[str]:
    """Roles in reference order (s5.1) with any other roles after them, alphabetically."""
    from nps_analysis.published import load_reference

    ref = list(load_reference("staff_roles")["role"])
    seen = [str(r) for r in pd.unique(roles.dropna())]
    return [r for r in ref if r in seen] + sorted(r for r in seen if r not in ref)


def area_name(region: str | None) -> str:
    """Display name of the area analysed."""
    return ENGLAND if region is None else region


def unit_column(region: str | None) -> str:
    """Breakdown inside the area: pan-regions for England, RAAs for a pan-region."""
    return "region" if region is None else "raa"


def wilson_ci(
    successes: pd.Series | np.ndarray, trials: pd.Series | np.ndarray, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval in percent (NaN where there are no trials)."""
    from nps_analysis.stats import wilson_ci as wilson_proportion

    low, high = wilson_proportion(successes, trials, alpha)
    return low * 100, high * 100


def pct(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """100 x numerator / denominator, NaN where the denominator is 0 or missing."""
    den = pd.to_numeric(denominator, errors="coerce").astype(float)
    num = pd.to_numeric(numerator, errors="coerce").astype(float)
    return (100 * num / den.where(den > 0)).astype(float)


def skill_grid(frame: pd.DataFrame, by: list[str], names: list[str]) -> pd.Index:
    """The skill `names` in every `by` group of `frame` (a cross join), or `names` alone."""
    if by:
        groups = frame[by].drop_duplicates().sort_values(by).astype(str)
        return pd.MultiIndex.from_frame(groups.merge(pd.DataFrame({"skill": names}), how="cross"))
    return pd.Index(names, name="skill")
