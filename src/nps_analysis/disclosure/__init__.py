"""Disclosure audit of a whole release: an interval attack over all its linked tables.

See docs/disclosure-audit.md. Data in, data out: no file I/O, no knowledge of how tables are built.
"""

from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.intervals import (
    AuditReport,
    InconsistentReleaseError,
    ProtectionRule,
    attack,
    audit,
    judge,
)
from nps_analysis.disclosure.model import (
    Cell,
    CellKey,
    Dimension,
    Members,
    Relation,
    mean_relation,
    ratio_relations,
)
from nps_analysis.disclosure.protection import Protection, protect

__all__ = [
    "AuditReport",
    "Cell",
    "CellKey",
    "Dimension",
    "Disclosure",
    "InconsistentReleaseError",
    "Members",
    "Protection",
    "ProtectionRule",
    "Relation",
    "attack",
    "audit",
    "judge",
    "mean_relation",
    "protect",
    "ratio_relations",
]
