"""Loaders for DfE "Children looked after in England including adoptions" files (2010-2025).

Quirks handled:

* EES tidy files (2018+): ``c`` (suppressed), ``z`` (not applicable: an LA that did not exist
  that year, e.g. Cumbria after April 2023), ``k`` (percentage < 0.5%), "y:m" averages.
* Old SFR underlying-data files (2010-2017): one wide file per year with its own column names,
  ``x`` for suppressed cells, 3-digit LA codes only in 2010, NATIONAL/REGION/LA or National/GOR/LA
  level labels, trailing spaces in names, Inner/Outer London sub-rows.
* Adoptions split into "unopposed" + "consent dispensed with" in 2010, 2016 and 2017: an LA total
  is known only when both parts are; otherwise it is suppressed (flag = the marker), but the
  published part is kept (``adoptions_published_part``, ``suppressed_parts``) and every part is
  available per route from :func:`load_all_adoption_routes` (regional totals are rounded per route).
* National and regional counts are rounded to the nearest 10; LA counts are not.
* Revisions: overlapping years are taken from the latest release (2024 release for 2020-2024).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from nps_analysis.datasets.engine import check_frame
from nps_analysis.datasets.spec import get_vocabulary, public_spec
from nps_analysis.errors import InputDataError, Problem
from nps_analysis.paths import PUBLIC_DIR, display_path
from nps_analysis.public.quirks import (
    check_values,
    ees_geography,
    parse_counts,
    parse_duration_months,
    read_public_csv,
)

EES_2024_ADOPTIONS = (
    PUBLIC_DIR / "cla_2024_release" / "la_children_who_ceased_during_the_year_sgo_adoption.csv"
)
EES_2022_ADOPTIONS = (
    PUBLIC_DIR / "cla_2022_release" / "la_children_who_ceased_during_the_year_sgo_adoptions.csv"
)
TIME_SERIES = PUBLIC_DIR / "cla_2024_release" / "cla_time_series_1994_2024.csv"
NATIONAL_ADOPTED = (
    PUBLIC_DIR / "cla_2024_release" / "national_cla_who_were_adopted_during_the_year.csv"
)
TIME_BETWEEN_STAGES = (
    PUBLIC_DIR
    / "cla_2025_release"
    / "national_cla_adopted_average_time_between_adoption_process_stages.csv"
)
SFR_DIR = PUBLIC_DIR / "sfr_historic_2010_2017"

LEVELS = get_vocabulary("geographic_level").values
"""The geographic levels kept: National, Regional, Local authority."""
EES_COLUMNS = (
    "time_period",
    "geographic_level",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
    "cla_group",
    "characteristic",
    "number",
)


@dataclass(frozen=True)
class SfrSpec:
    """How to read one old SFR file: which columns hold adoptions (summed when several)."""

    year: int
    file: str
    adoption_columns: tuple[str, ...]


SFR_FILES: tuple[SfrSpec, ...] = (
    SfrSpec(2010, "2010_SFR27_2010_Ceased.csv", ("CeasedAdoptUnop_2010", "CeasedAdoptDisp_2010")),
    SfrSpec(2011, "2011_SFR21_ADP.csv", ("CLA_ceaAdop",)),
    SfrSpec(2012, "2012_SFR20_ADP2012.csv", ("CLA_ceaAdop",)),
    SfrSpec(2013, "2013_SFR36_ADP2013.csv", ("CLA_ceaAdop",)),
    SfrSpec(2014, "2014_SFR36_ADP2014.csv", ("CLA_ceaAdop",)),
    SfrSpec(2015, "2015_SFR34_ADP2015.csv", ("CLA_ceaAdop",)),
    SfrSpec(2016, "2016_SFR41_CEA2016.csv", ("CLA_ceaAdop1", "CLA_ceaAdop2")),
    SfrSpec(2017, "2017_SFR50_CEA2017.csv", ("CEA_Adop1", "CEA_Adop2")),
)


ROUTES = public_spec("adoption_routes")
"""One row per year, geography and published adoption route: the source column name for the old
SFR files, ``all`` for EES files (one total). National and regional counts are rounded to 10 per
route, so a split year's regional total carries two roundings (datasets/specs/public/cla.yaml)."""
ADOPTIONS = public_spec("adoptions")
"""One row per year and geography. ``adoptions`` is the total over routes, NA unless every route
is published; ``adoptions_published_part`` sums the published routes (NA for ``z`` rows) and
``suppressed_parts`` counts the suppressed ones (2010, 2016, 2017 publish two routes)."""

ROUTE_ALL = "all"
"""Route name for files that publish one adoptions total."""

_SFR_LEVELS = {
    "NATIONAL": "National",
    "National": "National",
    "REGION": "Regional",
    "GOR": "Regional",
    "LA": "Local authority",
}


_GEO_COLUMNS = ["year", "geographic_level", "region_name", "old_la_code", "new_la_code", "la_name"]


def adoptions_from_routes(routes: pd.DataFrame) -> pd.DataFrame:
    """:data:`ADOPTIONS` rows (one per year and geography, in first-seen order) from a routes
    table: the total is known only if every route is; published routes are kept as
    ``adoptions_published_part``."""
    keys = [*_GEO_COLUMNS, "release"]
    flag = routes["flag"]
    grouped = routes.assign(
        _suppressed=(flag.notna() & flag.ne("z")).astype(int), _z=flag.eq("z").fillna(False)
    ).groupby(keys, sort=False, dropna=False)
    out = grouped.agg(
        published=("count", "sum"),
        routes=("count", "size"),
        known=("count", "count"),
        flag=("flag", "first"),
        suppressed_parts=("_suppressed", "sum"),
        not_applicable=("_z", "any"),
    ).reset_index()
    for col in ["region_name", "old_la_code", "new_la_code", "la_name"]:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    published = out["published"].astype("Float64")
    out = out.assign(
        adoptions=published.where(out["known"] == out["routes"]),
        flag=out["flag"].astype("string"),
        adoptions_published_part=published.mask(out["not_applicable"]),
        suppressed_parts=out["suppressed_parts"].astype(int),
    )
    releases = ", ".join(dict.fromkeys(routes["release"]))
    return check_frame(
        out[ADOPTIONS.column_names], ADOPTIONS, file=f"{display_path(PUBLIC_DIR)} ({releases})"
    )


def load_ees_routes(path: str | Path = EES_2024_ADOPTIONS) -> pd.DataFrame:
    """Adoptions (one route, ``all``) per year and geography from an EES "ceased ... sgo
    adoption" file, in route form."""
    df = read_public_csv(path, required=EES_COLUMNS)
    file = df.attrs["source_file"]
    check_values(
        df,
        "geographic_level",
        LEVELS,
        file=file,
        fix="expected National / Regional / Local authority rows only",
    )
    mask = (df["cla_group"] == "Adopted") & (df["characteristic"] == "Total")
    if not mask.any():
        raise InputDataError(
            [
                Problem(
                    file,
                    "no_adoption_rows",
                    "no cla_group 'Adopted' / 'Total' rows",
                    "check this is the ceased-by-adoption file",
                    column="cla_group",
                )
            ]
        )
    sub = df[mask]
    number, flag = parse_counts(sub["number"], file=file, column="number")
    out = pd.DataFrame(
        {
            **ees_geography(sub, new_la_code=True),
            "route": ROUTE_ALL,
            "count": number,
            "flag": flag,
            "release": Path(path).parent.name,
        }
    )
    return check_frame(out.reset_index(drop=True), ROUTES, file=file)


def load_ees_adoptions(path: str | Path = EES_2024_ADOPTIONS) -> pd.DataFrame:
    """Adoptions (all routes) per year and geography from an EES "ceased ... sgo adoption" file."""
    return adoptions_from_routes(load_ees_routes(path))


def load_sfr_routes(spec: SfrSpec, directory: str | Path = SFR_DIR) -> pd.DataFrame:
    """One old SFR file in route form: one row per geography and adoption column (``route``)."""
    df = read_public_csv(
        Path(directory) / spec.file, required=("geog_l", "geog_c", "geog_n", *spec.adoption_columns)
    )
    file = df.attrs["source_file"]
    check_values(df, "geog_l", _SFR_LEVELS, file=file, fix="expected NATIONAL / REGION / LA rows")
    level = df["geog_l"].map(_SFR_LEVELS)
    name = df["geog_n"].str.strip()
    is_la = level == "Local authority"
    geo = pd.DataFrame(
        {
            "year": spec.year,
            "geographic_level": level,
            "region_name": name.where(level == "Regional")
            .str.title()
            .str.replace(" And The ", " and The ")
            .replace({"East Of England": "East of England"}),
            "old_la_code": df["geog_c"].str.strip().where(is_la),
            "new_la_code": df["New_geog_code"].where(is_la) if "New_geog_code" in df else None,
            "la_name": name.where(is_la),
        }
    )
    frames = []
    for column in spec.adoption_columns:
        count, flag = parse_counts(df[column], file=file, column=column)
        frames.append(geo.assign(route=column, count=count, flag=flag, release=f"sfr_{spec.year}"))
    out = pd.concat(frames).sort_index(kind="stable").reset_index(drop=True)
    return check_frame(out[ROUTES.column_names], ROUTES, file=file)


def load_sfr_adoptions(spec: SfrSpec, directory: str | Path = SFR_DIR) -> pd.DataFrame:
    """Adoptions per geography from one old SFR underlying-data file (2010-2017)."""
    return adoptions_from_routes(load_sfr_routes(spec, directory))


def load_all_adoption_routes() -> pd.DataFrame:
    """Adoptions per route at every level, each year from its latest release: every DfE release
    in data/raw/public read through its release-year spec (`nps_analysis.refresh.releases`), so a
    release brought in by `nps refresh --public` is used without code changes."""
    from nps_analysis.refresh.releases import adoption_routes

    return adoption_routes()


def load_all_adoptions() -> pd.DataFrame:
    """Adoptions 2010-2024 at every level, each year from its latest release."""
    return adoptions_from_routes(load_all_adoption_routes())


def load_national_time_series(path: str | Path = TIME_SERIES) -> pd.DataFrame:
    """England: children looked after who were adopted during the year, 1994 onwards."""
    df = read_public_csv(path, required=("time_period", "population_count", "number"))
    sub = df[df["population_count"].str.contains("adopted during the year", case=False)]
    if sub.empty:
        raise InputDataError(
            [
                Problem(
                    df.attrs["source_file"],
                    "no_adoption_rows",
                    "no 'adopted during the year' series",
                    "use the 1994-2024 time series file",
                    column="population_count",
                )
            ]
        )
    file = df.attrs["source_file"]
    number, _ = parse_counts(sub["number"], file=file, column="number")
    out = pd.DataFrame(
        {"year": pd.to_numeric(sub["time_period"]).astype(int), "adoptions_national": number}
    )
    out = out.sort_values("year").reset_index(drop=True)
    return check_frame(out, public_spec("national_time_series"), file=file)


def load_national_adopted(path: str | Path = NATIONAL_ADOPTED) -> pd.DataFrame:
    """National characteristics of children adopted (age, ethnicity, ...), 2020-2024.

    "Average ... (years:months)" rows hold "3:4"-style durations: parsed to ``average_months``.
    """
    df = read_public_csv(
        path, required=("time_period", "cla_group", "characteristic", "number", "percentage")
    )
    file = df.attrs["source_file"]
    is_avg = df["characteristic"].str.startswith("Average")
    number, nflag = parse_counts(df["number"].where(~is_avg, ""), file=file, column="number")
    pct, pflag = parse_counts(df["percentage"], file=file, column="percentage", allow_decimal=True)
    months = parse_duration_months(df["number"].where(is_avg, ""), file=file, column="number")
    out = pd.DataFrame(
        {
            "year": pd.to_numeric(df["time_period"]).astype(int),
            # the publisher spells the group "Age at adoption" and "Age at Adoption": one group
            "cla_group": df["cla_group"].str.replace("Age at Adoption", "Age at adoption"),
            "characteristic": df["characteristic"],
            "number": number,
            "number_flag": nflag.where(~is_avg),
            "percentage": pct,
            "percentage_flag": pflag,
            "average_months": months,
        }
    )
    return check_frame(out, public_spec("national_adopted"), file=file)


def load_time_between_stages(path: str | Path = TIME_BETWEEN_STAGES) -> pd.DataFrame:
    """Average time between adoption stages (months), England, 2021-2025, by age entering care.

    Durations are published as "YY:MM" strings; the one count row ("placed within 12 months of
    the decision") is kept in ``count``.
    """
    df = read_public_csv(
        path, required=("time_period", "stage_of_adoption_process", "age_start_poc", "number")
    )
    file = df.attrs["source_file"]
    is_count = ~df["stage_of_adoption_process"].str.match(r"^\d\.")
    months = parse_duration_months(df["number"].where(~is_count, ""), file=file, column="number")
    count, flag = parse_counts(df["number"].where(is_count, ""), file=file, column="number")
    text = df["number"].str.strip().str.lower()
    out = pd.DataFrame(
        {
            "year": pd.to_numeric(df["time_period"]).astype(int),
            "stage": df["stage_of_adoption_process"],
            "age_start_poc": df["age_start_poc"],
            "months": months,
            "count": count,
            "flag": flag.where(is_count, text.where(text.isin(["c", "x", "z", "k", ":"]))).astype(
                "string"
            ),
        }
    )
    return check_frame(out, public_spec("time_between_stages"), file=file)
