"""Statistical disclosure control (SDC) for outputs built from record-level data.

Rules (thresholds from `params.yaml` `sdc:`, ACRO's defaults):

* **Minimum threshold** — a frequency cell counting fewer than `threshold` records is unsafe
  (zeros too, when `zeros_are_disclosive`). For tables of records this is ACRO's
  MinimumThresholdCheck; for tables the package has already aggregated, ACRO cannot be used (it
  needs the records), so the same rule is applied here to the declared count columns.
* **Dominance** — magnitude cells (sums of amounts) fail ACRO's n-k and p-ratio checks when a few
  contributors dominate; `magnitude_table` runs them through `acro.pivot_table` on the records.
* **Secondary suppression** — ACRO suppresses primary cells only. Here, within every group of cells
  that adds up to a margin (cells sharing all but one dimension), a group with exactly one
  suppressed cell gets its smallest other cell suppressed too, repeated until stable, so no
  suppressed value can be recovered by differencing a total.
* **Derived values** (percentages, CIs, means) of an unsafe count are suppressed with it.
* **Regression outputs** are released only when residual degrees of freedom ≥ `safe_dof_threshold`.
* Optional **rounding** to a base replaces suppression of counts when `rounding_base` is set.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from nps_analysis.disclosure.grid import NOT_APPLICABLE
from nps_analysis.provenance import SUPPRESSED
from nps_analysis.rounding import round_to_base as _round_to_base


@dataclass(frozen=True)
class SDCConfig:
    """Disclosure-control thresholds."""

    threshold: int = 10
    safe_dof_threshold: int = 10
    p_ratio: float = 0.10
    nk_n: int = 2
    nk_k: float = 0.90
    zeros_are_disclosive: bool = True
    rounding_base: int | None = None
    audit_min_width: float | None = None  # protection interval of a `c`; None: the threshold
    audit_node_budget: int = 20_000  # branch-and-bound nodes for the MILPs of one audit

    @property
    def protection_width(self) -> float:
        """The width every suppressed cell's feasible interval must keep (default threshold)."""
        return float(self.threshold if self.audit_min_width is None else self.audit_min_width)

    @classmethod
    def from_params(cls, params: dict[str, Any] | None = None) -> SDCConfig:
        """Read the `sdc:` section of params.yaml (or a given mapping)."""
        if params is None:
            from nps_analysis.config import load_params

            params = load_params().get("sdc", {})
        known = {k: params[k] for k in cls.__dataclass_fields__ if k in params}
        return cls(**known)

    def acro_config(self) -> dict[str, Any]:
        """The same thresholds under ACRO's configuration names."""
        return {
            "safe_threshold": self.threshold,
            "safe_dof_threshold": self.safe_dof_threshold,
            "safe_pratio_p": self.p_ratio,
            "safe_nk_n": self.nk_n,
            "safe_nk_k": self.nk_k,
            "zeros_are_disclosive": self.zeros_are_disclosive,
        }


# ACRO logs under "acro" and, separately (a colon, not a dot: not child loggers), these two.
_ACRO_LOGGERS = ("acro", "acro:records", "acro:summary")


def make_acro(config: SDCConfig) -> Any:
    """An ACRO session with these thresholds.

    ACRO's `config=` argument only finds YAML files inside its own package folder, so custom
    thresholds are set on the session's config after creation and its checker rebuilt.
    """
    from acro import ACRO, sdcchecks

    for name in _ACRO_LOGGERS:  # its progress notes would land in every report
        logging.getLogger(name).setLevel(logging.ERROR)
    session = ACRO(suppress=True)
    session.config.update(config.acro_config())
    session.sdc_checks = sdcchecks.SDCChecks(session.config)
    return session


# --------------------------------------------------------------------------- frequency cells
def not_applicable(values: pd.Series) -> pd.Series:
    """True where a cell holds the `z` marker (an impossible combination), whatever the dtype."""
    return values.map(lambda v: isinstance(v, str) and v.strip() == NOT_APPLICABLE).astype(bool)


def primary_mask(counts: pd.Series, config: SDCConfig) -> pd.Series:
    """True where a count is unsafe (below threshold; zero too if zeros are disclosive)."""
    values = pd.to_numeric(counts.where(~not_applicable(counts)), errors="raise").astype("Float64")
    unsafe = values < config.threshold
    if not config.zeros_are_disclosive:
        unsafe &= values != 0
    return unsafe.fillna(False).astype(bool)


def secondary_mask(table: pd.DataFrame, dims: list[str], count: str, mask: pd.Series) -> pd.Series:
    """Extend `mask` so no margin group (cells sharing all dimensions but one) has exactly one
    suppressed cell. The smallest unsuppressed cell of such a group is added, until stable."""
    mask = mask.copy().astype(bool)
    column = table[count]
    values = pd.to_numeric(column.where(~not_applicable(column)), errors="raise")
    values = values.astype(float).fillna(np.inf)
    groupings = [[d for d in dims if d != free] for free in dims] if dims else [[]]
    for _ in range(len(table) + 1):
        changed = False
        for keys in groupings:
            group_ids = (
                table.groupby(keys, sort=False, dropna=False, observed=True).ngroup()
                if keys
                else pd.Series(0, index=table.index)
            )
            sizes = group_ids.map(group_ids.value_counts())
            n_suppressed = mask.groupby(group_ids).transform("sum")
            lonely = (n_suppressed == 1) & (sizes > 1)
            if not lonely.any():
                continue
            for gid in pd.unique(group_ids[lonely]):
                candidates = values[(group_ids == gid) & ~mask]
                if len(candidates):
                    mask.loc[candidates.idxmin()] = True
                    changed = True
        if not changed:
            break
    return mask


def round_to_base(values: pd.Series, base: int) -> pd.Series:
    """Round counts to the nearest multiple of `base` (halves away from zero), as Int64.

    The convention is `nps_analysis.rounding` (decimal-exact half up); NA stays NA.
    """
    return _round_to_base(values, base).astype("Int64")


@dataclass
class ProtectedTable:
    """A table after disclosure control, with what was done to it."""

    table: pd.DataFrame
    primary: int
    secondary: int
    rounded: bool
    reason: str
    dominated: int = 0  # magnitude cells suppressed by the dominance rules


def protect_counts(
    df: pd.DataFrame,
    counts: list[str],
    derived: Mapping[str, str | tuple[str, ...]],
    dims: list[str],
    config: SDCConfig,
    *,
    margins: bool = True,
) -> ProtectedTable:
    """Apply threshold (+ secondary) suppression, or rounding, to declared count columns.

    `margins=False` declares that the cells add up to no total (e.g. independent tests), so
    only primary suppression applies."""
    out = df.copy()
    primary_total = secondary_total = 0
    masks: dict[str, pd.Series] = {}
    for count in counts:
        primary = primary_mask(out[count], config)
        if config.rounding_base:
            # A value derived from the unrounded count (a percentage, a mean) would undo the
            # rounding: every derived value of a rounded count is withheld.
            masks[count] = pd.Series(True, index=out.index)
            out[count] = round_to_base(out[count], config.rounding_base)
            primary_total += int(primary.sum())
            continue
        full = secondary_mask(out, dims, count, primary) if margins else primary
        masks[count] = full
        primary_total += int(primary.sum())
        secondary_total += int((full & ~primary).sum())
        out[count] = out[count].astype(object).where(~full, SUPPRESSED)
    for column, source in derived.items():
        sources = (source,) if isinstance(source, str) else tuple(source)
        hidden = np.logical_or.reduce([masks[s].to_numpy() for s in sources])
        blocked = np.logical_or.reduce([not_applicable(df[s]).to_numpy() for s in sources])
        values = out[column].astype(object).where(~hidden, SUPPRESSED)
        out[column] = values.where(~blocked, NOT_APPLICABLE)
    if config.rounding_base:
        reason = (
            f"counts rounded to base {config.rounding_base} ({primary_total} below "
            f"{config.threshold}); values derived from them withheld (they would undo the rounding)"
        )
    elif primary_total:
        reason = (
            f"{primary_total} cell(s) below threshold {config.threshold} suppressed"
            f" and {secondary_total} more to protect totals"
        )
    else:
        reason = f"all counts at or above threshold {config.threshold}"
    return ProtectedTable(out, primary_total, secondary_total, bool(config.rounding_base), reason)


def protect_magnitudes(
    protected: ProtectedTable, df: pd.DataFrame, magnitudes: Mapping[str, str | Sequence[str]]
) -> ProtectedTable:
    """Suppress each magnitude column (a total, mean or ratio of amounts) in the rows where any
    of its dominance flags (`magnitudes[column]`, from :func:`dominance_flags`) says a few
    records dominate the amounts: there a total or mean would give a contributor's amount."""
    if not magnitudes:
        return protected
    out = protected.table.copy()
    hidden = 0
    for column, flags in magnitudes.items():
        names = [flags] if isinstance(flags, str) else list(flags)
        flagged = np.logical_or.reduce(
            [df[f].astype("boolean").fillna(True).to_numpy(bool) for f in names]
        )
        failing = flagged & (out[column] != SUPPRESSED).to_numpy()
        failing &= out[column].notna().to_numpy()
        hidden += int(failing.sum())
        out[column] = out[column].astype(object).where(~failing, SUPPRESSED)
    reason = protected.reason
    if hidden:
        reason += f"; {hidden} amount cell(s) suppressed: a few records dominate them (n-k, p%)"
    return replace(protected, table=out, reason=reason, dominated=hidden)


def dominance_flags(
    records: pd.DataFrame, by: Sequence[str], value: str, config: SDCConfig | None = None
) -> pd.Series:
    """Per group of `by` (sorted, as ``groupby``): True when the group's amounts `value` fail
    the dominance rules (:func:`dominated`), False otherwise. Records without an amount are left
    out (a group with none is absent: :func:`dominated_rows` flags it)."""
    config = config or SDCConfig.from_params()
    priced = records.loc[records[value].notna(), [*by, value]]
    flags = priced.groupby(list(by), observed=True, sort=True)[value].apply(
        lambda v: dominated(v, config)
    )
    return flags.rename(f"{value}_dominated").astype(bool)


def dominated_rows(
    table: pd.DataFrame,
    records: pd.DataFrame,
    by: Sequence[str],
    value: str,
    config: SDCConfig | None = None,
) -> np.ndarray:
    """:func:`dominance_flags` of `records` for each row of `table` (matched on `by`); a row
    with no amounts behind it is flagged (there is nothing to release)."""
    flags = dominance_flags(records, by, value, config)
    keys = table.set_index(list(by)).index if len(by) > 1 else table[by[0]]
    return keys.map(flags).fillna(True).astype(bool).to_numpy()


def public_note(protected: ProtectedTable, config: SDCConfig) -> str:
    """What the released manifest says about a table: never how many cells were primary and
    how many secondary (the output checker's log has that)."""
    if protected.rounded:
        return f"counts rounded to base {config.rounding_base}; values derived from them withheld"
    hidden = protected.primary + protected.secondary
    dominance = "; amounts a few records dominate suppressed (c)" if protected.dominated else ""
    if hidden:
        return (
            f"{hidden} cell(s) suppressed (c): counts below {config.threshold} and cells that "
            f"would reveal them{dominance}"
        )
    if dominance:
        return f"all counts at or above threshold {config.threshold}{dominance}"
    return f"all counts at or above threshold {config.threshold}"


def dof_is_safe(n_obs: int, n_params: int, config: SDCConfig) -> bool:
    """True when a model's residual degrees of freedom (n − k) meet the threshold."""
    return (n_obs - n_params) >= config.safe_dof_threshold


# --------------------------------------------------------------------------- magnitude cells
def dominated(contributions: pd.Series, config: SDCConfig) -> bool:
    """True when a few contributors dominate a total (ACRO's n-k rule: the largest `nk_n`
    contributions make up more than `nk_k` of it; p% rule: the total less the two largest is
    within `p_ratio` of the largest), so a share of it would reveal a contributor's amount."""
    values = contributions.astype(float).sort_values(ascending=False).to_numpy()
    total = values.sum()
    if len(values) <= config.nk_n or total <= 0:
        return True
    top = values[: config.nk_n].sum()
    rest = total - values[:2].sum()
    return bool(top > config.nk_k * total or rest < config.p_ratio * values[0])


def magnitude_table(
    records: pd.DataFrame, by: list[str], value: str, config: SDCConfig
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Sum, count and mean of `value` per group, with ACRO's threshold, n-k and p-ratio checks
    run on the records; failing cells (and their derived values) are suppressed. Returns the
    table and the check (reason and counts for the checker's log, a note for the public)."""
    grouped = records.groupby(by, observed=True, sort=True, dropna=False)[value]
    table = grouped.agg(n="count", total="sum", mean="mean").reset_index()
    session = make_acro(config)
    data = records[[*by, value]].copy()
    for column in by:
        data[column] = data[column].astype(str)
    # ACRO needs one index dimension and optionally one column dimension; group on a joined key.
    data["_cell"] = data[by].agg(" | ".join, axis=1) if len(by) > 1 else data[by[0]]
    data["_one"] = "all"
    with warnings.catch_warnings():
        # Pandas warns about ACRO's own code (assigning into a slice of its copy of `data`;
        # passing `np.sum` to groupby): nothing about our data, and the warning text carries the
        # absolute path of the installed package into the reports.
        warnings.filterwarnings("ignore", category=pd.errors.SettingWithCopyWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        session.pivot_table(data, index="_cell", columns="_one", values=value, aggfunc="sum")
    result = list(session.results.results.values())[-1]
    failing: set[str] = set()
    labels = sorted(data["_cell"].unique())
    linked = bool(result.sdc.get("summary", {}).get("PresenceOfLinkedTableCheck"))
    for check_name, cells in result.sdc.get("cells", {}).items():
        if check_name == "PresenceOfLinkedTableCheck":
            continue  # recorded in the checker's log; the release-wide audit handles linkage
        for row, _col in cells:
            failing.add(labels[row])
    keys = (
        table[by].astype(str).agg(" | ".join, axis=1) if len(by) > 1 else table[by[0]].astype(str)
    )
    # The count of packages is a frequency: suppressed only below the threshold (and to protect
    # those); a dominated total is a magnitude: its total and mean go, its count stays.
    small = primary_mask(table["n"], config)
    counts_hidden = secondary_mask(table, by, "n", small)
    mask = secondary_mask(table, by, "total", keys.isin(failing) | counts_hidden)
    table["n"] = table["n"].astype(object).where(~counts_hidden, SUPPRESSED)
    for column in ("total", "mean"):
        table[column] = table[column].astype(object).where(~mask, SUPPRESSED)
    if config.rounding_base:  # counts rounded like every other table; the mean would undo it
        released = ~counts_hidden
        table.loc[released, "n"] = round_to_base(
            table.loc[released, "n"].astype("int64"), config.rounding_base
        ).astype(object)
        table["mean"] = SUPPRESSED
    checks = ", ".join(f"{k}: {v}" for k, v in result.sdc.get("summary", {}).items() if v)
    hidden = int(mask.sum())
    check: dict[str, Any] = {
        "reason": (
            f"ACRO checks failed ({checks}); {hidden} cell(s) suppressed"
            if mask.any()
            else "all cells pass ACRO's threshold, n-k and p-ratio checks"
        ),
        "public": (
            f"{hidden} cell(s) suppressed (c): small counts or a few dominant providers"
            if mask.any()
            else "all cells pass the small-count and dominance checks"
        ),
        "primary": len(failing & set(keys[mask])),
        "secondary": hidden - len(failing & set(keys[mask])),
        "linked_table": linked,
    }
    return table, check
