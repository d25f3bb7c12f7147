"""Synthetic workforce skills audit and RAA skills gaps (s5), honouring the published figures.

Exact: total FTE 425.37 (in hundredths); FTE of the 18 RAAs reporting training = 224.89; 12 RAAs
not reporting training; 9 of those 12 stating training types with staff in DDP 9, Theraplay 6,
TLSW 5, BUSS 5, NVR 4; 17 of 30 RAAs naming gaps, DDP 8, TLSW 6, NVR 3, BUSS 3 (Theraplay 0).
At published precision (whole %): role shares of FTE (55/11/14) and the share of the 224.89 FTE
trained in DDP 34%, Theraplay 20%, TLSW 16%, NVR 13%.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.rounding import round_count
from nps_analysis.synth.apportion import controlled_round, largest_remainder
from nps_analysis.synth.common import fig, published, raa_weights, raas, rng_for

SKILLS = ("DDP", "Theraplay", "TLSW", "NVR", "BUSS")
FLAG = {s: f"trained_{s.lower()}" for s in SKILLS}


def role_shares(params: dict[str, Any]) -> pd.Series:
    """Published role shares of FTE (%), plus the un-itemised remainder as the 'other' role."""
    t = published("workforce")
    t = t[t["measure"] == "fte_share"]
    shares = pd.Series(t["value"].to_numpy(dtype=float), index=t["role"].to_numpy())
    shares[params["other_role"]] = 100.0 - shares.sum()
    return shares


def _posts(rng: np.random.Generator, hundredths: int, split_share: float) -> list[int]:
    """Split a cell's FTE (hundredths) into posts of at most 1.00 FTE."""
    posts = [100] * (hundredths // 100) + ([hundredths % 100] if hundredths % 100 else [])
    out: list[int] = []
    for p in posts:
        if p == 100 and rng.random() < split_share:
            a = int(rng.choice([40, 50, 60, 80]))
            out += [a, 100 - a]
        else:
            out.append(p)
    return out


def _pick_fte(rng: np.random.Generator, fte: np.ndarray, target: int) -> np.ndarray:
    """Posts whose FTE (hundredths) sums as close to `target` as a greedy fill allows (<= target)."""
    order = rng.permutation(len(fte))
    chosen = np.zeros(len(fte), dtype=bool)
    total = 0
    for i in order:
        if total + fte[i] <= target:
            chosen[i] = True
            total += fte[i]
    return chosen


def generate(
    params: dict[str, Any], concentration: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(workforce posts, RAA skills gaps)."""
    p = params
    rng = rng_for(seed, "workforce")
    ref = raas()
    total = round_count(fig("workforce.fte.total") * 100)
    base = round_count(fig("workforce.skills.fte_base") * 100)
    n_exact = int(fig("workforce.skills.raas_reporting_fte"))
    exact = np.zeros(len(ref), dtype=bool)
    exact[rng.choice(len(ref), n_exact, replace=False)] = True
    w = raa_weights(rng, concentration, len(ref))
    raa_fte = np.zeros(len(ref), dtype="int64")
    raa_fte[exact] = largest_remainder(base, w[exact])
    raa_fte[~exact] = largest_remainder(total - base, w[~exact])
    shares = role_shares(p)
    role_fte = largest_remainder(total, shares.to_numpy())
    cells = controlled_round(np.outer(raa_fte, role_fte) / total, raa_fte, role_fte)
    rows = []
    for i, j in zip(*np.nonzero(cells), strict=True):
        for f in _posts(rng, int(cells[i, j]), p["part_time_split_share"]):
            rows.append((i, shares.index[j], f))
    posts = pd.DataFrame(rows, columns=["raa_idx", "role", "fte_h"])
    out = pd.DataFrame(
        {
            "post_id": [f"SYN-P{i:04d}" for i in range(1, len(posts) + 1)],
            "raa": ref["raa"].to_numpy()[posts["raa_idx"]],
            "region": ref["region"].to_numpy()[posts["raa_idx"]],
            "role": posts["role"].to_numpy(),
            "fte": posts["fte_h"].to_numpy() / 100.0,
        }
    )
    reporting = exact[posts["raa_idx"].to_numpy()]
    skill_pct = _skill_pcts(p)
    for skill in SKILLS:
        flag = pd.array([pd.NA] * len(out), dtype="boolean")
        chosen = _pick_fte(
            rng, posts["fte_h"].to_numpy()[reporting], round_count(skill_pct[skill] * base / 100)
        )
        flag[np.flatnonzero(reporting)] = chosen
        out[FLAG[skill]] = flag
    gaps = _skills_gaps(rng, ref, exact)
    return out, gaps


def _skill_pcts(params: dict[str, Any]) -> dict[str, float]:
    t = published("workforce")
    t = t[t["measure"] == "share_of_fte_trained"]
    pct = dict(zip(t["skill"], t["value"].astype(float), strict=True))
    pct.setdefault("BUSS", float(params["buss_trained_pct"]))
    return pct


def _skills_gaps(rng: np.random.Generator, ref: pd.DataFrame, exact: np.ndarray) -> pd.DataFrame:
    """RAA x skill table: gaps named by 17 RAAs (exact counts) and training stated by 9 RAAs."""
    t = published("workforce")
    gap_n = dict(
        zip(
            t.loc[t["measure"] == "raas_with_skills_gap", "skill"],
            t.loc[t["measure"] == "raas_with_skills_gap", "value"].astype(int),
            strict=True,
        )
    )
    with_n = dict(
        zip(
            t.loc[t["measure"] == "raas_with_staff_trained", "skill"],
            t.loc[t["measure"] == "raas_with_staff_trained", "value"].astype(int),
            strict=True,
        )
    )
    n_gap_raas = int(fig("workforce.gaps.raas_reporting"))
    n_stating = int(fig("workforce.skills.raas_stating_types"))
    k = len(ref)
    gap = np.full((k, len(SKILLS)), -1)  # -1 = not indicated
    gap_raas = np.sort(rng.choice(k, n_gap_raas, replace=False))
    gap[gap_raas] = 0
    tokens = rng.permutation(
        np.concatenate([np.full(gap_n.get(s, 0), j) for j, s in enumerate(SKILLS)])
    )
    if len(tokens) < n_gap_raas:
        raise ValueError("fewer published gaps than RAAs naming gaps")
    gap[gap_raas, tokens[:n_gap_raas]] = 1  # every gap-naming RAA names at least one gap
    for j in tokens[n_gap_raas:]:
        free = gap_raas[gap[gap_raas, j] == 0]
        gap[rng.choice(free), j] = 1
    has = np.full((k, len(SKILLS)), -1)
    stating = np.sort(rng.choice(np.flatnonzero(~exact), n_stating, replace=False))
    has[stating] = 0
    for j, s in enumerate(SKILLS):
        has[rng.choice(stating, with_n.get(s, 0), replace=False), j] = 1

    def flag(a: np.ndarray) -> pd.arrays.BooleanArray:
        return pd.arrays.BooleanArray(a.ravel() == 1, a.ravel() < 0)

    return pd.DataFrame(
        {
            "raa": np.repeat(ref["raa"].to_numpy(), len(SKILLS)),
            "region": np.repeat(ref["region"].to_numpy(), len(SKILLS)),
            "skill": np.tile(SKILLS, k),
            "gap_identified": flag(gap),
            "has_trained_staff": flag(has),
        }
    )
