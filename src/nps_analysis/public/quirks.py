"""Shared handling of the quirks of published English statistics files.

Everything that turns a published cell into a number lives here, so each quirk is handled once:
suppression markers, "YY:MM" durations, file encodings and missing columns. Suppressed cells stay
missing (NA) and carry a flag saying which marker they had; they are never zero-filled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import display_path
from nps_analysis.rounding import round_to_base

SUPPRESSION_MARKERS: dict[str, str] = {
    "c": "confidential: suppressed small number (DfE EES, ASG: 1 to 5) or secondary suppression",
    "x": "suppressed small number (old DfE SFR files) or secondary suppression",
    "z": "not applicable (e.g. a local authority that did not exist that year)",
    "k": "percentage below 0.5%",
    "u": "low reliability",
    ":": "not available",
    "..": "not returned by the agency (ASG data collection)",
    ".": "not applicable: reported by another agency (ASG data collection)",
    "low": "below the publication threshold",
    "-": "nil or not available",
}
"""Marker -> meaning, for every non-numeric cell value the loaders accept."""

DFE_WITHHELD_MARKERS = frozenset({"c", "x", "u", "low"})
"""Markers meaning "a value exists but is withheld" (as opposed to not applicable / not returned)."""

NATIONAL_ROUNDING_BASE = 10
"""DfE rounds national and regional counts to the nearest 10 (LA counts are not rounded)."""

MISSING_FILE_FIX = (
    "restore it from the repository (git checkout -- data/raw/public) or download it from the "
    "source named for it in data/raw/public/SOURCES.md"
)
"""What to do about a missing public source file (every public reader says the same)."""

ENCODINGS: tuple[str, ...] = ("utf-8-sig", "latin-1")
"""Encodings tried in order: UTF-8 (with or without BOM), then Latin-1 (old s251 files)."""

_DURATION = re.compile(r"^\s*(\d{1,3}):(\d{1,2})\s*$")


def read_public_csv(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    encodings: Sequence[str] = ENCODINGS,
) -> pd.DataFrame:
    """Read a CSV as strings (no NA guessing), trying each encoding; check required columns."""
    path = Path(path)
    if not path.is_file():
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "file_not_found",
                    "file not found",
                    MISSING_FILE_FIX,
                )
            ]
        )
    last_error: Exception | None = None
    for encoding in encodings:
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            break
        except UnicodeDecodeError as exc:
            last_error = exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputDataError(
                [
                    Problem(
                        display_path(path),
                        "csv_malformed",
                        f"cannot parse CSV: {exc}",
                        "restore the original published file (it should be byte-identical)",
                    )
                ]
            ) from exc
    else:
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "encoding",
                    f"not readable as {', '.join(encodings)}: {last_error}",
                    "re-save the file as UTF-8",
                )
            ]
        )
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["source_file"] = display_path(path)
    df.attrs["encoding"] = encoding
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputDataError(
            [
                Problem(
                    display_path(path),
                    "missing_column",
                    f"required column '{c}' not found",
                    "check this is the file named in SOURCES.md; the publisher may have renamed it",
                    column=c,
                )
                for c in missing
            ]
        )
    return df


def ees_geography(frame: pd.DataFrame, *, new_la_code: bool = False) -> dict[str, pd.Series]:
    """An EES file's year and geography columns, blank codes and names as missing (None).

    ``year`` is the integer ``time_period``; then geographic_level, region_name, old_la_code
    (and new_la_code if asked for) and la_name, in that order.
    """
    codes = ["old_la_code", "new_la_code"] if new_la_code else ["old_la_code"]
    return {
        "year": pd.to_numeric(frame["time_period"]).astype(int),
        "geographic_level": frame["geographic_level"],
        **{c: frame[c].replace("", None) for c in ["region_name", *codes, "la_name"]},
    }


def parse_counts(
    values: pd.Series,
    *,
    file: str,
    column: str,
    header_rows: int = 1,
    sheet: str | None = None,
    allow_decimal: bool = False,
) -> tuple[pd.Series, pd.Series]:
    """Turn published cells into numbers plus a flag.

    Returns ``(number, flag)``: ``number`` is Float64 with NA where the cell held a marker or was
    blank; ``flag`` is the marker (``"c"``, ``"x"``, ``"z"``...), ``"blank"`` or NA for real numbers.
    Any other text raises :class:`InputDataError` naming the file, row and column.
    """
    text = values.astype("string").str.strip()
    cleaned = text.str.replace(",", "", regex=False)
    number = pd.to_numeric(cleaned.where(~cleaned.isin(list(SUPPRESSION_MARKERS))), errors="coerce")
    is_marker = text.str.lower().isin(list(SUPPRESSION_MARKERS))
    is_blank = text.isna() | (text == "")
    bad = number.isna() & ~is_marker & ~is_blank
    if not allow_decimal:
        frac = (number.dropna() % 1) != 0
        bad = bad | frac.reindex(number.index, fill_value=False)
    if bad.any():
        positions = np.flatnonzero(bad.to_numpy())
        raise InputDataError(
            [
                Problem(
                    file,
                    "not_a_count",
                    "cell is neither a number nor a known suppression marker",
                    f"expected a number or one of {sorted(SUPPRESSION_MARKERS)}; "
                    "restore the original published file or add the marker to quirks.SUPPRESSION_MARKERS",
                    sheet=sheet,
                    row=int(p) + header_rows + 1,
                    column=column,
                    value=str(values.iloc[p]),
                )
                for p in positions
            ]
        )
    flag = pd.Series(pd.NA, index=values.index, dtype="string")
    flag = flag.mask(is_marker, text.str.lower()).mask(is_blank, "blank")
    return number.astype("Float64"), flag


def parse_duration_months(
    values: pd.Series, *, file: str, column: str, header_rows: int = 1
) -> pd.Series:
    """Parse ``"YY:MM"`` / ``"y:m"`` durations (years:months) into months (Float64).

    Suppression markers become NA. "01:06" -> 18.0. Anything else raises InputDataError.
    """
    text = values.astype("string").str.strip()
    parts = text.str.extract(_DURATION)
    months = pd.to_numeric(parts[0], errors="coerce") * 12 + pd.to_numeric(
        parts[1], errors="coerce"
    )
    is_marker = text.str.lower().isin(list(SUPPRESSION_MARKERS)) | text.isna() | (text == "")
    bad_month = pd.to_numeric(parts[1], errors="coerce") >= 12
    bad = (months.isna() & ~is_marker) | bad_month.fillna(False)
    if bad.any():
        positions = np.flatnonzero(bad.to_numpy())
        raise InputDataError(
            [
                Problem(
                    file,
                    "not_a_duration",
                    "duration is not in 'years:months' form (months 0-11)",
                    "expected e.g. '01:06' for 1 year 6 months; restore the original published file",
                    row=int(p) + header_rows + 1,
                    column=column,
                    value=str(values.iloc[p]),
                )
                for p in positions
            ]
        )
    return months.astype("Float64")


def check_values(
    df: pd.DataFrame, column: str, allowed: Iterable[str], *, file: str, fix: str
) -> None:
    """Raise InputDataError listing rows whose ``column`` is not one of ``allowed``."""
    bad = ~df[column].isin(list(allowed))
    if bad.any():
        raise InputDataError(
            [
                Problem(
                    file,
                    "unexpected_value",
                    f"unexpected value in '{column}'",
                    fix,
                    row=int(p) + 2,
                    column=column,
                    value=str(df[column].iloc[p]),
                )
                for p in np.flatnonzero(bad.to_numpy())
            ]
        )


def round_half_up(values: pd.Series | np.ndarray, base: int = NATIONAL_ROUNDING_BASE) -> np.ndarray:
    """Round to the nearest ``base`` the way DfE does (halves away from zero), as a float array.

    Kept for existing callers; new code should call ``nps_analysis.rounding.round_to_base``.
    """
    return np.asarray(round_to_base(values, base), dtype=float)


def normalise_name(values: pd.Series) -> pd.Series:
    """Lower-case names with '&' -> 'and' and punctuation removed, for joining on names."""
    return (
        values.astype("string")
        .str.lower()
        .str.replace("&", " and ", regex=False)
        .str.replace(r"[^a-z0-9 ]", " ", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )
