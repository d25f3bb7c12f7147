"""Loader for DfE section 251 outturn (LA children's services spending), 2008-09 to 2013-14.

Only the "Adoption services" line is kept. Quirks handled: the column names change every year
(``LEA Number:`` / ``LEA`` / ``LA``; ``S52 Line Reference`` / ``CYPServiceDescription``), the line
label sometimes carries its line number ("34 Adoption services"), 2010-11 onwards files are
Latin-1 encoded (non-breaking spaces, curly quotes), LA names carry trailing spaces, amounts are
unrounded pounds with decimals, and 2008-09 has no own-provision column (its "PUBLIC" column
includes the LA's own provision).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import public_spec
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLIC_DIR
from nps_analysis.public.quirks import parse_counts, read_public_csv

S251_DIR = PUBLIC_DIR / "s251_outturn_2008_2014"
S251_FILES: dict[str, str] = {
    "2008-09": "outturn_0809.csv",
    "2009-10": "outturn_0910.csv",
    "2010-11": "outturn_1011.csv",
    "2011-12": "outturn_1112.csv",
    "2012-13": "outturn_1213.csv",
    "2013-14": "outturn_1314.csv",
}
MEASURES = (
    "own_provision",
    "private",
    "other_public",
    "voluntary",
    "total_expenditure",
    "income",
    "net_expenditure",
)
_COLUMN_NAMES: dict[str, str] = {
    "LEA Number:": "la_code",
    "LEA": "la_code",
    "LA": "la_code",
    "LA Name:": "la_name",
    "LEA Name": "la_name",
    "LA Name": "la_name",
    "S52 Line Reference:": "line",
    "S52 Line Reference": "line",
    "CYPServiceDescription": "line",
    "Own Provision (y)": "own_provision",
    "OwnProvision": "own_provision",
    "PRIVATE (x)": "private",
    "Private (z(i))": "private",
    "PrivateProvision": "private",
    "PUBLIC (z)": "other_public",
    "Other Public (z(ii))": "other_public",
    "OtherPublic": "other_public",
    "VOLUNTARY (y)": "voluntary",
    "Voluntary (z(iii))": "voluntary",
    "Voluntary": "voluntary",
    "TOTAL EXPENDITURE (k)": "total_expenditure",
    "Total Expenditure (k)": "total_expenditure",
    "TotalExpenditure": "total_expenditure",
    "INCOME (l)": "income",
    "Income (l)": "income",
    "Income": "income",
    "NET Current Expenditure (m)": "net_expenditure",
    "NetCurrentExpenditure": "net_expenditure",
}


def load_s251_adoption(financial_year: str, directory: str | Path = S251_DIR) -> pd.DataFrame:
    """Adoption-services spending by LA for one financial year (pounds, cash prices)."""
    df = read_public_csv(Path(directory) / S251_FILES[financial_year])
    df = df.rename(columns=_COLUMN_NAMES)
    file = df.attrs["source_file"]
    missing = [
        c for c in ("la_code", "la_name", "line", "total_expenditure") if c not in df.columns
    ]
    if missing:
        raise InputDataError(
            [
                Problem(
                    file,
                    "missing_column",
                    f"no column for '{c}'",
                    "add the file's column name to s251._COLUMN_NAMES",
                    column=c,
                )
                for c in missing
            ]
        )
    line = df["line"].str.replace(r"^\s*\d+\s*", "", regex=True).str.strip().str.lower()
    sub = df[line == "adoption services"]
    out = pd.DataFrame(
        {
            "financial_year": financial_year,
            "old_la_code": sub["la_code"].str.strip(),
            "la_name": sub["la_name"].str.strip(),
        }
    )
    for m in MEASURES:
        if m in sub.columns:
            out[m] = parse_counts(sub[m], file=file, column=m, allow_decimal=True)[0]
        else:
            out[m] = pd.Series(pd.NA, index=sub.index, dtype="Float64")
    return check_frame(out.reset_index(drop=True), public_spec("s251_adoption"), file=file)


def load_s251_all(directory: str | Path = S251_DIR) -> pd.DataFrame:
    """Adoption-services spending by LA, 2008-09 to 2013-14."""
    return pd.concat([load_s251_adoption(y, directory) for y in S251_FILES], ignore_index=True)
