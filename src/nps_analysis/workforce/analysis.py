"""Run the whole workforce, skills and gaps analysis and write its outputs (the notebook's engine)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nps_analysis.disclosure.declaration import Disclosure, RowMembers
from nps_analysis.disclosure.vocabulary import CASES, PACKAGES, STAFF, YES_NO
from nps_analysis.outputs import OutputWriter
from nps_analysis.regions import check_region, rows_in_region
from nps_analysis.workforce.check import published_check
from nps_analysis.workforce.common import area_name, unit_column
from nps_analysis.workforce.gaps import GAPS_COLUMNS, gap_estimates, gap_reporting
from nps_analysis.workforce.opportunity import (
    CAPACITY_COLUMNS,
    InHouseAssumptions,
    inhouse_opportunity,
    latest_year,
    load_skill_therapy_map,
    priorities,
    responding_raas,
)
from nps_analysis.workforce.profile import fte_by_role, fte_by_unit_role, fte_per_cases
from nps_analysis.workforce.settings import min_responders_to_rank
from nps_analysis.workforce.skills import (
    COVERAGE_COLUMNS,
    HIDDEN_COUNTS,
    coverage_by,
    raa_skill_status,
    skills_coverage,
    skills_stated,
)

ORG_REASON = (
    "counts of RAAs (organisations), not of staff or families; the report publishes RAA counts "
    "of this kind (s5.2)"
)


@dataclass
class WorkforceResults:
    """Every table of the analysis, before disclosure control."""

    area: str
    region: str | None
    unit: str
    fte_by_role: pd.DataFrame
    fte_by_unit_role: pd.DataFrame
    fte_per_cases: pd.DataFrame | None
    coverage: pd.DataFrame
    coverage_by_unit: pd.DataFrame
    stated: pd.DataFrame
    raa_status: pd.DataFrame
    gaps: pd.DataFrame
    gaps_by_region: pd.DataFrame
    counts: dict[str, int]
    min_responders_to_rank: int
    mapping: pd.DataFrame
    opportunity: pd.DataFrame | None
    demand_year: str | None
    assumptions: InHouseAssumptions
    training_raas: tuple[str, ...] = ()
    check: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def run_analysis(
    workforce: pd.DataFrame,
    gaps: pd.DataFrame,
    packages: pd.DataFrame | None = None,
    cases: pd.DataFrame | None = None,
    *,
    region: str | None = None,
    mapping: pd.DataFrame | None = None,
    demand_year: str | None = None,
    assumptions: InHouseAssumptions | None = None,
    min_responders: int | None = None,
) -> WorkforceResults:
    """All tables for England (region=None) or one pan-region; see docs/workforce-methodology.md.

    `assumptions` and `min_responders` (fewest responding RAAs to rank a region or skill) default
    to params.yaml `workforce:`.
    """
    from nps_analysis.regions import pan_regions_raas, region_names

    check_region(region)
    a = assumptions or InHouseAssumptions()
    mapping = load_skill_therapy_map() if mapping is None else mapping
    area, unit = area_name(region), unit_column(region)
    wf = rows_in_region(workforce, region)
    gp = rows_in_region(gaps, region)
    if wf.empty:
        raise ValueError(f"no staff records for {area}")
    raas = pan_regions_raas()
    raas = raas if region is None else raas.loc[raas["region"] == region]
    notes: list[str] = []
    counts = {
        "raas_in_workforce": int(wf["raa"].astype(str).nunique()),
        "raas_in_gaps_file": gap_reporting(gp)["raas_in_file"],
        "raas_indicating_gaps": gap_reporting(gp)["raas_indicating_gaps"],
    }
    cs = rows_in_region(cases, region) if cases is not None else None
    per_cases = fte_per_cases(wf, cs, unit, area) if cs is not None and not cs.empty else None
    if per_cases is None or cs is None:  # per_cases is None whenever cs is
        notes.append("No open-case data: FTE per 100 open support cases not computed.")
    else:
        latest = cs["period_end"].max()
        notes.append(
            f"Open cases are those of the latest period in the case file (ending {latest:%d %b %Y}); "
            "the workforce snapshot has no date."
        )
    coverage = skills_coverage(wf)
    regions = region_names() if region is None else [region]
    opp, year = None, None
    if packages is not None and not packages.empty:
        pk = rows_in_region(packages, region)
        year = demand_year or latest_year(packages)
        opp = inhouse_opportunity(wf, pk, mapping, regions=regions, year=year, assumptions=a)
        if region is None:  # England rows: every staff record and package of the area
            total = inhouse_opportunity(
                wf.assign(region=area),
                pk.assign(region=area),
                mapping,
                regions=[area],
                year=year,
                assumptions=a,
            )
            opp = pd.concat([opp, total], ignore_index=True)
        notes.append(
            f"In-house demand is ASGSF packages funded in {year}; demand per skill is not additive "
            "(a category mapped to several skills counts under each)."
        )
    else:
        notes.append("No ASGSF package data: in-house opportunity not computed.")
    resp = int(coverage["raas_responding"].max()) if len(coverage) else 0
    notes.append(
        f"Skills shares are of the FTE whose training was recorded: {resp} of "
        f"{counts['raas_in_workforce']} RAAs in {area} gave staff-level training data."
    )
    notes.append(
        f"Skills gaps: {counts['raas_indicating_gaps']} of the {len(raas)} RAAs in {area} "
        "indicated their gaps. The bounds assume nothing about the others; the interval assumes "
        "they answered at random."
    )
    res = WorkforceResults(
        area=area,
        region=region,
        unit=unit,
        fte_by_role=fte_by_role(wf, area),
        fte_by_unit_role=fte_by_unit_role(wf, unit),
        fte_per_cases=per_cases,
        coverage=coverage,
        coverage_by_unit=coverage_by(wf, [unit]),
        stated=skills_stated(gp),
        raa_status=raa_skill_status(wf, gp, raas),
        gaps=gap_estimates(gp, raas=raas),
        gaps_by_region=gap_estimates(gp, ["region"], raas=raas),
        counts=counts,
        min_responders_to_rank=min_responders_to_rank(min_responders),
        mapping=mapping,
        opportunity=opp,
        demand_year=year,
        assumptions=a,
        training_raas=tuple(sorted(responding_raas(wf))),
        notes=notes,
    )
    if region is None:
        res.check = published_check(
            res.fte_by_role, res.coverage, res.gaps[GAPS_COLUMNS], res.stated, counts
        )
    return res


def _release_with_hidden_counts(
    out: OutputWriter,
    df: pd.DataFrame,
    name: str,
    *,
    columns: list[str],
    hidden: list[str],
    derived: dict[str, str],
    dims: list[str],
) -> Path | None:
    """Check `hidden` count columns with the project's disclosure rules, then release `columns`.

    For contract tables whose columns are fixed (no staff-count column): the FTE sums are
    suppressed when fewer than the threshold of staff records lie behind them; the staff counts
    themselves are not released.
    """
    extra = [c for c in df.columns if c not in columns and c not in hidden]
    return out.table(
        df.drop(columns=extra)[[*columns, *hidden]],
        name,
        disclosure=Disclosure(
            hidden_counts=hidden,
            derived={k: v for k, v in derived.items() if k in columns},
            dims=dims,
        ),
    )


SECTIONS = ("profile", "coverage", "gaps", "opportunity", "check")
"""Output sections in notebook order; each draws only on tables written by itself or earlier."""


def write_outputs(
    res: WorkforceResults, out: OutputWriter, sections: tuple[str, ...] | list[str] = SECTIONS
) -> dict[str, Path | None]:
    """Write the tables (with disclosure-control declarations) and figures of `sections`.

    Returns the path of each output written (None where withheld). Sections must come in
    SECTIONS order; later ones read the released tables of earlier ones.
    """
    from nps_analysis.workforce import plots

    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section(s) {unknown}; use {list(SECTIONS)}")
    paths: dict[str, Path | None] = {}

    def table(df: pd.DataFrame, name: str, **kw: object) -> bool:
        paths[f"tables/{name}.csv"] = out.table(df, name, **kw)  # type: ignore[arg-type]
        return paths[f"tables/{name}.csv"] is not None

    def figure(fig: object, name: str, sources: list[str]) -> None:
        paths[f"figures/{name}.svg"] = out.figure(fig, name, source_tables=sources)  # type: ignore[arg-type]

    if "profile" in sections:
        # FTE is a magnitude; `staff` (records) is the count checked for every FTE cell.
        staff = Disclosure(
            counts=["staff"],
            derived={"fte": "staff", "share_pct": "staff"},
            population=STAFF,
            dimensions=STAFF_DIMENSIONS,
        )
        table(res.fte_by_role, "fte_by_role", disclosure=staff.but(grid=("role",)))
        table(
            res.fte_by_unit_role, "fte_by_area_role", disclosure=staff.but(grid=(res.unit, "role"))
        )
        if res.fte_per_cases is not None:
            table(
                res.fte_per_cases,
                "fte_per_cases",
                disclosure=Disclosure(
                    counts=["staff", "open_cases"],
                    derived={"fte": "staff", "fte_per_100_cases": "staff"},
                    population=STAFF,
                    populations={"open_cases": CASES},
                    dimensions={**STAFF_DIMENSIONS, "count_basis": "case_return"},
                ),
            )
        figure(
            plots.role_mix(out.released("fte_by_role"), out.released("fte_by_area_role"), res.unit),
            "role_mix",
            ["fte_by_role", "fte_by_area_role"],
        )
    if "coverage" in sections:
        # Contract columns only; the staff counts behind the FTE are checked, not shown.
        paths["tables/skills_coverage.csv"] = _release_with_hidden_counts(
            out,
            res.coverage,
            "skills_coverage",
            columns=COVERAGE_COLUMNS,
            hidden=HIDDEN_COUNTS,
            derived={
                "trained_fte": "trained_staff",
                "share_pct": "trained_staff",
                "base_fte": "base_staff",
            },
            dims=["skill"],
        )
        cov_unit = res.coverage_by_unit[
            [res.unit, "skill", "trained_staff", "trained_fte", "base_staff", "base_fte"]
            + ["share_pct"]
        ]
        table(
            cov_unit,
            "skills_coverage_by_area",
            disclosure=Disclosure(
                population=STAFF,
                dimensions=STAFF_DIMENSIONS,
                members={"trained_staff": TRAINED, "base_staff": RECORDED},
                counts=["trained_staff", "base_staff"],
                derived={
                    "trained_fte": "trained_staff",
                    "share_pct": "trained_staff",
                    "base_fte": "base_staff",
                },
            ),
        )
        table(res.stated, "skills_stated", disclosure=Disclosure(safe_reason=ORG_REASON))
        table(
            res.raa_status,
            "skills_by_raa",
            disclosure=Disclosure(
                safe_reason="RAA-level presence of trained staff and named gaps (organisations; no staff counts or FTE)"
            ),
        )
        figure(
            plots.skills_coverage(
                out.released("skills_coverage"), show_published=res.region is None
            ),
            "skills_coverage",
            ["skills_coverage"],
        )
        figure(
            plots.skills_heatmap(out.released("skills_by_raa")), "skills_heatmap", ["skills_by_raa"]
        )
    if "gaps" in sections:
        # RAAs are organisations; counts of them are released as the report does.
        table(res.gaps[GAPS_COLUMNS], "skills_gaps", disclosure=Disclosure(safe_reason=ORG_REASON))
        table(res.gaps, "skills_gaps_bounds", disclosure=Disclosure(safe_reason=ORG_REASON))
        table(
            res.gaps_by_region,
            "skills_gaps_by_region",
            disclosure=Disclosure(safe_reason=ORG_REASON),
        )
        figure(
            plots.gaps_with_ci(out.released("skills_gaps_bounds"), res.area),
            "skills_gaps",
            ["skills_gaps_bounds"],
        )
    if "opportunity" in sections:
        table(
            res.mapping,
            "skill_therapy_map",
            disclosure=Disclosure(safe_reason="assumption table (mapping), no data"),
        )
        table(
            res.assumptions.table(),
            "inhouse_assumptions",
            disclosure=Disclosure(safe_reason="assumption table (parameters), no data"),
        )
        if res.opportunity is not None:
            _write_opportunity(res, out, table, figure)
    if "check" in sections and res.check is not None:
        check = published_check(
            out.released("fte_by_role"),
            out.released("skills_coverage"),
            out.released("skills_gaps"),
            out.released("skills_stated"),
            res.counts,
        )
        table(
            check,
            "published_check",
            disclosure=Disclosure(
                safe_reason="built only from released tables and published figures"
            ),
        )
        res.notes.append(
            f"{int(check['matches'].sum())} of {len(check)} published s5 figures reproduced at "
            "the report's precision."
        )
    return paths


STAFF_DIMENSIONS = {"area": "region", "skill": ""}
"""Workforce table columns as audit dimensions (`area` is a region or England)."""
TRAINED = {"trained_{skill}": "yes"}
"""A trained-staff count counts staff with that skill's training flag set."""
RECORDED = {"trained_{skill}": YES_NO}
"""A base count counts staff whose training flag for that skill is recorded (yes or no)."""


def opportunity_members(res: WorkforceResults) -> dict[str, RowMembers]:
    """What the counts of the in-house table count: trained staff (practitioners: in the
    practitioner roles), and packages of the demand year in the categories mapped to the skill
    (`packages`: in the RAAs with training data)."""
    mapped = res.mapping.groupby("skill")["therapy_type"].agg(tuple).to_dict()

    def demand(row: dict, raas: tuple[str, ...] | None) -> dict[str, object]:
        members: dict[str, object] = {
            "financial_year": str(res.demand_year),
            "therapy_type": mapped.get(row["skill"], ()),
        }
        return members if raas is None else {**members, "raa": raas}

    return {
        "trained_staff": TRAINED,
        "practitioner_staff": {**TRAINED, "role": tuple(res.assumptions.practitioner_roles)},
        "packages_all": lambda row: demand(row, None),
        "packages": lambda row: demand(row, res.training_raas),
    }


def _write_opportunity(
    res: WorkforceResults,
    out: OutputWriter,
    table: Callable[..., bool],
    figure: Callable[[object, str, list[str]], None],
) -> None:
    """The in-house table, its ranking (from released tables) and the demand-capacity chart."""
    from nps_analysis.workforce import plots

    by_practitioners = ("practitioner_fte", "packages_per_practitioner_fte", *CAPACITY_COLUMNS)
    table(
        res.opportunity,
        "inhouse_opportunity",
        disclosure=Disclosure(
            population=STAFF,
            populations={"packages_all": PACKAGES, "packages": PACKAGES},
            dimensions=STAFF_DIMENSIONS,
            members=opportunity_members(res),
            counts=["trained_staff", "practitioner_staff", "packages_all", "packages"],
            derived={
                "trained_fte": "trained_staff",
                **dict.fromkeys(by_practitioners, "practitioner_staff"),
                "spend_all_gbp": "packages_all",
                "spend_gbp": "packages",
                "cost_per_package_gbp": "packages",
                "sessions_per_package": "packages",
            },
            dims=["region", "skill"],
        ),
    )
    ranked = priorities(
        out.released("inhouse_opportunity"),
        out.released("skills_gaps_by_region"),
        res.min_responders_to_rank,
    )
    table(
        ranked,
        "inhouse_priorities",
        disclosure=Disclosure(
            safe_reason="built only from the released tables inhouse_opportunity and skills_gaps_by_region"
        ),
    )
    figure(
        plots.demand_vs_capacity(out.released("inhouse_opportunity"), res.demand_year or ""),
        "demand_capacity",
        ["inhouse_opportunity"],
    )
