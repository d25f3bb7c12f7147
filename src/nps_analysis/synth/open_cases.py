"""Synthetic open support cases (s3.1-3.2): the published national counts, exactly, over the
RAAs that sent a return.

The report's 19,454 cases come from "data request forms submitted by seven pan regions covering 24
RAAs", and "some provided a snapshot of open cases on a specific date" (s3.1). The coverage counts
(24 RAAs, 7 pan-regions) are read from data/raw/published/ and checked; which pan-region and RAAs
sent nothing, the share of snapshot returns and the snapshot date come from params.yaml
`synth: open_cases:` (the missing pan-region is inferred from the report, the rest are ASSUMPTIONS).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.synth.apportion import largest_remainder
from nps_analysis.synth.common import fig, published, raa_weights, raas, rng_for

GROUP_LABELS = {
    "children": "children",
    "adoptive_parents": "adoptive parents",
    "birth_families": "birth families",
    "adopted_adults": "adopted adults",
}
BAND_LABELS = {
    "0-4": "0-4",
    "5-11": "5-11",
    "12-15": "12-15",
    "16-18": "16-18",
    "not_reported": "not reported",
}


def national_cells() -> pd.DataFrame:
    """Published national counts: one row per (recipient_group, child_age_band) cell."""
    t = published("open_support_cases")
    t = t[(t["measure"] == "count") & (t["unit"] == "count")]
    groups = t[(t["child_age_band"] == "all") & t["recipient_group"].isin(GROUP_LABELS)]
    bands = t[(t["recipient_group"] == "children") & t["child_age_band"].isin(BAND_LABELS)]
    cells = [
        ("children", BAND_LABELS[b], int(v))
        for b, v in zip(bands["child_age_band"], bands["value"], strict=True)
    ]
    cells += [
        (GROUP_LABELS[g], "", int(v))
        for g, v in zip(groups["recipient_group"], groups["value"], strict=True)
        if g != "children"
    ]
    return pd.DataFrame(cells, columns=["recipient_group", "child_age_band", "count"])


def submitting_raas(oc: dict[str, Any]) -> pd.DataFrame:
    """The RAAs that sent an open-case return (reference order), checked against s3.1's coverage.

    All RAAs of the pan-regions not listed in `regions_not_submitting`, less the RAAs listed in
    `raas_not_submitting`; their numbers must equal the published 24 RAAs in 7 pan-regions.
    """
    ref = raas()
    unknown = sorted(
        set(oc.get("regions_not_submitting", [])) - set(ref["region"])
        | set(oc.get("raas_not_submitting", [])) - set(ref["raa"])
    )
    if unknown:
        raise ValueError(f"synth.open_cases: unknown pan-region or RAA name(s) {unknown}")
    keep = ~ref["region"].isin(oc.get("regions_not_submitting", [])) & ~ref["raa"].isin(
        oc.get("raas_not_submitting", [])
    )
    out = ref.loc[keep].reset_index(drop=True)
    want_raas, want_regions = (
        int(fig("cases.coverage.raas")),
        int(fig("cases.coverage.pan_regions")),
    )
    if len(out) != want_raas or out["region"].nunique() != want_regions:
        raise ValueError(
            f"synth.open_cases: the returns cover {len(out)} RAAs in {out['region'].nunique()} "
            f"pan-regions, but the report's cases come from {want_raas} RAAs in {want_regions} "
            "(s3.1); fix regions_not_submitting / raas_not_submitting in params.yaml"
        )
    return out


def generate(params: dict[str, Any]) -> pd.DataFrame:
    """RAA-level open case counts whose national margins equal the published counts exactly.

    Each submitting RAA sends one return: a count over the reporting period, or (a drawn share of
    RAAs) a snapshot on `snapshot_date`, written with period_start = period_end = that date.
    """
    oc = params["open_cases"]
    rng = rng_for(params["seed"], "open_cases")
    ref = submitting_raas(oc)
    n = len(ref)
    base = raa_weights(rng, params["raa_concentration"], n)
    n_snapshot = int(np.floor(float(oc["snapshot_share"]) * n + 0.5))
    snapshot = np.zeros(n, dtype=bool)
    snapshot[rng.choice(n, size=n_snapshot, replace=False)] = True
    # a snapshot counts only the cases open on one day, so fewer than a period count (ASSUMPTION)
    base = base * np.where(snapshot, float(oc["snapshot_weight"]), 1.0)
    cells = national_cells()
    # each cell gets its own noisy version of the RAA weights, then an exact integer split
    noise = rng.gamma(20.0, 1 / 20.0, size=(len(cells), n))
    counts = np.vstack(
        [largest_remainder(int(c), base * noise[i]) for i, c in enumerate(cells["count"])]
    )
    start = np.where(snapshot, oc["snapshot_date"], oc["period_start"])
    end = np.where(snapshot, oc["snapshot_date"], oc["period_end"])
    out = pd.DataFrame(
        {
            "raa": np.tile(ref["raa"].to_numpy(), len(cells)),
            "region": np.tile(ref["region"].to_numpy(), len(cells)),
            "period_start": np.tile(start, len(cells)),
            "period_end": np.tile(end, len(cells)),
            "count_basis": np.tile(np.where(snapshot, "snapshot", "period"), len(cells)),
            "recipient_group": np.repeat(cells["recipient_group"].to_numpy(), n),
            "child_age_band": np.repeat(cells["child_age_band"].to_numpy(), n),
            "count": counts.ravel(),
        }
    )
    order = {r: i for i, r in enumerate(ref["raa"])}
    return out.sort_values(by=["raa"], key=lambda s: s.map(order), kind="mergesort").reset_index(
        drop=True
    )
