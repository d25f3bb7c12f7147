"""Synthetic open support cases: national counts by group and child age band, exactly (s3.2)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.synth.apportion import largest_remainder
from nps_analysis.synth.common import published, raa_weights, raas, rng_for

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


def generate(params: dict[str, Any]) -> pd.DataFrame:
    """RAA-level open case counts whose national margins equal the published counts exactly."""
    rng = rng_for(params["seed"], "open_cases")
    ref = raas()
    base = raa_weights(rng, params["raa_concentration"], len(ref))
    cells = national_cells()
    # each cell gets its own noisy version of the RAA weights, then an exact integer split
    noise = rng.gamma(20.0, 1 / 20.0, size=(len(cells), len(ref)))
    counts = np.vstack(
        [largest_remainder(int(n), base * noise[i]) for i, n in enumerate(cells["count"])]
    )
    oc = params["open_cases"]
    out = pd.DataFrame(
        {
            "raa": np.tile(ref["raa"].to_numpy(), len(cells)),
            "region": np.tile(ref["region"].to_numpy(), len(cells)),
            "period_start": oc["period_start"],
            "period_end": oc["period_end"],
            "recipient_group": np.repeat(cells["recipient_group"].to_numpy(), len(ref)),
            "child_age_band": np.repeat(cells["child_age_band"].to_numpy(), len(ref)),
            "count": counts.ravel(),
        }
    )
    order = {r: i for i, r in enumerate(ref["raa"])}
    return out.sort_values(by=["raa"], key=lambda s: s.map(order), kind="mergesort").reset_index(
        drop=True
    )
