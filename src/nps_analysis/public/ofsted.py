"""Loader for Ofsted's register of children's social care providers at 31 March 2023.

Only adoption support agencies (ASAs) and voluntary adoption agencies (VAAs) are kept. Quirks:
the CSV is a format conversion of an ODS sheet (header on sheet row 4), addresses of some
providers are "REDACTED", Ofsted merges North East with Yorkshire and the Humber in its own
region column (the Government Office Region column is used instead), and names carry stray
spaces.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import get_vocabulary, public_spec
from nps_analysis.paths import PUBLIC_DIR
from nps_analysis.public.quirks import read_public_csv

OFSTED_FILE = PUBLIC_DIR / "ofsted_providers" / "ofsted_csc_providers_at_31_march_2023.csv"
ADOPTION_PROVISION = get_vocabulary("ofsted_provision_type").values
"""The provision types kept: adoption support agencies and voluntary adoption agencies."""


def load_adoption_agencies(path: str | Path = OFSTED_FILE) -> pd.DataFrame:
    """Registered ASAs and VAAs, one row per provider (URN)."""
    cols = (
        "URN",
        "Provision type",
        "Name",
        "Registration status",
        "Government Office Region",
        "Local authority",
        "Sector",
        "Organisation which owns the provider",
        "Overall experiences and progress of children and young people",
    )
    df = read_public_csv(path, required=cols)
    sub = df[df["Provision type"].str.strip().isin(ADOPTION_PROVISION)]
    out = pd.DataFrame(
        {
            "urn": sub["URN"].str.strip(),
            "provision_type": sub["Provision type"].str.strip(),
            "name": sub["Name"].str.strip(),
            "registration_status": sub["Registration status"].str.strip(),
            "gor_region": sub["Government Office Region"].str.strip(),
            "local_authority": sub["Local authority"].str.strip(),
            "sector": sub["Sector"].str.strip().replace("", None),
            "owner": sub["Organisation which owns the provider"].str.strip().replace("", None),
            "overall_judgement": sub[
                "Overall experiences and progress of children and young people"
            ]
            .str.strip()
            .replace("", None),
        }
    ).reset_index(drop=True)
    return check_frame(out, public_spec("adoption_agencies"), file=df.attrs["source_file"])
