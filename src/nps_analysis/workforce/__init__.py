"""Workforce skills and gaps, and the in-house delivery opportunity (National Picture s5, s9)."""

from __future__ import annotations

from nps_analysis.workforce.analysis import WorkforceResults, run_analysis, write_outputs
from nps_analysis.workforce.check import published_check
from nps_analysis.workforce.gaps import GAPS_COLUMNS, skills_gaps
from nps_analysis.workforce.opportunity import (
    OPPORTUNITY_COLUMNS,
    InHouseAssumptions,
    inhouse_opportunity,
    load_skill_therapy_map,
)
from nps_analysis.workforce.profile import fte_by_role, fte_by_unit_role, fte_per_cases
from nps_analysis.workforce.skills import COVERAGE_COLUMNS, coverage_by, skills_coverage

__all__ = [
    "COVERAGE_COLUMNS",
    "GAPS_COLUMNS",
    "OPPORTUNITY_COLUMNS",
    "InHouseAssumptions",
    "WorkforceResults",
    "coverage_by",
    "fte_by_role",
    "fte_by_unit_role",
    "fte_per_cases",
    "inhouse_opportunity",
    "load_skill_therapy_map",
    "published_check",
    "run_analysis",
    "skills_coverage",
    "skills_gaps",
    "write_outputs",
]
