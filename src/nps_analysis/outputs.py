"""The one path for results out: every table and figure a notebook publishes goes through here.

Naming, deterministic formatting, provenance labelling and (for microdata) disclosure control all
happen in this module, so no notebook can write a result any other way.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from nps_analysis.disclosure.cells import table_cells
from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.disclosure.grid import complete_grid
from nps_analysis.disclosure.plan import read_plan
from nps_analysis.paths import atomic_write, checker_dir_for, display_path, resolve
from nps_analysis.provenance import SUPPRESSED, DataKind

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

FLOAT_FORMAT = "%.10g"
PIPELINE_RUN_VARIABLE = "NPS_PIPELINE_RUN"
"""Set by `nps execute` for every notebook it runs: executed notebooks are shared outputs."""
_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class OutputError(ValueError):
    """Raised when an output cannot be written safely (bad name, bad table)."""


@dataclass
class OutputRecord:
    """One line of the output manifest."""

    output: str
    kind: str
    data_kind: str
    rows: int
    status: str
    note: str = ""
    count_columns: str = ""  # released columns checked against the frequency threshold


@dataclass
class OutputWriter:
    """Writes tables to `<output_dir>/tables/` and figures to `<output_dir>/figures/`.

    Parameters
    ----------
    output_dir:
        Folder for this analysis' results (relative paths resolve from the project root).
    data_kind:
        Default provenance of the outputs (overridable per output).
    context:
        What the release metadata needs to title these outputs: ``analysis`` (the spec in
        ``release/tables/``, when the folder does not say) and ``region``.
    """

    output_dir: str | os.PathLike[str]
    data_kind: DataKind | str = DataKind.SYNTHETIC
    records: list[OutputRecord] = field(default_factory=list)
    sdc_params: dict | None = None
    context: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from nps_analysis.sdc import SDCConfig

        self.output_dir = resolve(self.output_dir)
        self.data_kind = DataKind(self.data_kind)
        self.sdc_config = SDCConfig.from_params(self.sdc_params)
        self._released: dict[str, pd.DataFrame] = {}
        self._raw: dict[str, pd.DataFrame] = {}
        self._declarations: dict[str, Disclosure] = {}
        self._cells: dict[str, list[dict]] = {}
        self._kinds: dict[str, DataKind] = {}
        self._checks: dict[str, dict[str, object]] = {}
        self._plan = read_plan(checker_dir_for(self.output_dir))

    @property
    def tables_dir(self) -> Path:
        return Path(self.output_dir) / "tables"

    @property
    def figures_dir(self) -> Path:
        return Path(self.output_dir) / "figures"

    # ------------------------------------------------------------------ tables
    def table(
        self,
        df: pd.DataFrame,
        name: str,
        *,
        data_kind: DataKind | str | None = None,
        sort_by: Iterable[str] | None = None,
        disclosure: Disclosure | None = None,
    ) -> Path | None:
        """Write `df` as `<output_dir>/tables/<name>.csv`: UTF-8, LF, no index, stable floats.

        Outputs built from record-level data need a `disclosure` declaration
        (`nps_analysis.disclosure.Disclosure`, declared beside the code that builds the table):
        its counts are checked against the threshold (with secondary suppression over `dims`,
        default every non-float column that is neither a count nor derived; `dims=()` when no
        cells add up to a total), derived columns go with their count, a model table with
        `min_dof` below the threshold is withheld, and `safe_reason` says why a table needs no
        check. Undeclared record-level tables are withheld for real microdata.
        Returns the path written, or None when the table was withheld.
        """
        kind = DataKind(data_kind) if data_kind is not None else DataKind(self.data_kind)
        _check_name(name)
        if not isinstance(df, pd.DataFrame):
            raise OutputError(
                f"table '{name}': expected a pandas DataFrame, got {type(df).__name__}"
            )
        if df.columns.duplicated().any():
            dup = sorted(set(df.columns[df.columns.duplicated()]))
            raise OutputError(f"table '{name}': duplicated column names {dup}; rename them first")
        declaration = disclosure or Disclosure()
        if kind.is_record_level and declaration.grid:
            df = complete_grid(df, declaration.grid, declaration.all_counts, self._audit_context())
        out = df.reset_index(drop=True)
        if sort_by:
            out = out.sort_values(list(sort_by), kind="mergesort").reset_index(drop=True)
        output = f"tables/{name}.csv"
        status, note = "published", "already public: passed through unchanged"
        if kind.is_record_level:
            decision = self._protect(out, name, declaration, kind)
            if decision is None:
                return None
            out, status, note = decision
            out, status, note = self._apply_plan(name, out, declaration, status, note)
            self._raw[name] = df.reset_index(drop=True).copy()
            self._declarations[name] = declaration
            self._kinds[name] = kind
            self._cells[name] = table_cells(name, out, declaration, self._audit_context())
        out = out.drop(columns=[*declaration.hidden_counts, *declaration.dominance_flags])
        path = self.tables_dir / f"{name}.csv"
        atomic_write(path, to_csv_text(out).encode("utf-8"))
        self._released[name] = out
        checked = ";".join(declaration.counts) if kind.is_record_level else ""
        self._record(output, "table", kind, len(out), status, note, checked)
        return path

    def magnitude_table(
        self,
        records: pd.DataFrame,
        name: str,
        *,
        by: list[str],
        value: str,
        data_kind: DataKind | str | None = None,
        disclosure: Disclosure | None = None,
    ) -> Path | None:
        """Count, total and mean of `value` by `by`, computed from records and checked by ACRO
        (threshold, n-k dominance, p-ratio) plus secondary suppression, then written.
        `disclosure` gives the audit what the counts `n` count (population, members)."""
        from nps_analysis import sdc

        kind = DataKind(data_kind) if data_kind is not None else DataKind(self.data_kind)
        _check_name(name)
        if not kind.is_record_level:
            table = (
                records.groupby(by, observed=True, sort=True)[value]
                .agg(n="count", total="sum", mean="mean")
                .reset_index()
            )
            return self.table(table, name, data_kind=kind)
        table, check = sdc.magnitude_table(records, by, value, self.sdc_config)
        derived = Disclosure(counts=("n",), derived={"total": "n", "mean": "n"})
        table, _, planned_note = self._apply_plan(name, table, derived, "", "")
        if planned_note:
            check["public"] = planned_note
        status = "suppressed" if (table == SUPPRESSED).any().any() else "safe"
        path = self.tables_dir / f"{name}.csv"
        atomic_write(path, to_csv_text(table).encode("utf-8"))
        self._released[name] = table
        self._checks[name] = check
        declaration = (disclosure or Disclosure()).but(counts=("n",), dims=tuple(by))
        self._declarations[name] = declaration
        self._cells[name] = table_cells(name, table, declaration, self._audit_context())
        self._record(
            f"tables/{name}.csv", "table", kind, len(table), status, str(check["public"]), "n"
        )
        return path

    def unsuppressed(self, name: str) -> pd.DataFrame:
        """The table before disclosure control, for an analyst inside a secure environment.

        Only when the environment variable NPS_SECURE_ENVIRONMENT=1 is set and the notebook is
        not being run by the pipeline (whose executed notebooks are shared outputs). Never written
        to disk by this package.
        """
        if os.environ.get("NPS_SECURE_ENVIRONMENT") != "1":
            raise PermissionError(
                "unsuppressed values are only shown inside a secure environment: set "
                "NPS_SECURE_ENVIRONMENT=1 in an interactive session (never in the pipeline)"
            )
        if os.environ.get(PIPELINE_RUN_VARIABLE):
            raise PermissionError(
                "unsuppressed values are never shown in pipeline runs (shared outputs)"
            )
        return self._raw[name].copy()

    def released(self, name: str) -> pd.DataFrame:
        """The table as released (after disclosure control): draw figures from this."""
        return self._released[name].copy()

    def released_tables(self) -> dict[str, pd.DataFrame]:
        """Every table released so far (after disclosure control), by name, in writing order."""
        return {name: table.copy() for name, table in self._released.items()}

    def _apply_plan(
        self, name: str, table: pd.DataFrame, declaration: Disclosure, status: str, note: str
    ) -> tuple[pd.DataFrame, str, str]:
        """Suppress the cells the release-wide protection planned for this table (see
        `nps_analysis.disclosure.plan`), with every value derived from them."""
        planned = sorted((r, c) for t, r, c in self._plan if t == name)
        if not planned:
            return table, status, note
        out = table.copy()
        for row, column in planned:
            if row >= len(out) or column not in out.columns:
                raise OutputError(
                    f"table '{name}': the suppression plan names row {row} column {column!r}, "
                    "which the table does not have (a stale plan: rerun the stage)"
                )
            followers = [c for c in declaration.derived if column in declaration.sources(c)]
            for target in (column, *followers):
                out[target] = out[target].astype(object)
                out.loc[row, target] = SUPPRESSED
        check = self._checks.setdefault(name, {})
        check["audit_extra"] = len(planned)
        hidden = int((out[list(declaration.counts)] == SUPPRESSED).to_numpy().sum())
        public = (
            f"{hidden} cell(s) suppressed (c): counts below {self.sdc_config.threshold} and "
            "cells that would reveal them, in this table or with the run's other tables"
        )
        return out, "suppressed", public

    def _protect(
        self, df: pd.DataFrame, name: str, declaration: Disclosure, kind: DataKind
    ) -> tuple[pd.DataFrame, str, str] | None:
        from nps_analysis import sdc

        output = f"tables/{name}.csv"
        config = self.sdc_config
        counts = list(declaration.all_counts)
        derived = {c: declaration.sources(c) for c in declaration.derived}
        flags = list(declaration.dominance_flags)
        missing = [c for c in [*counts, *derived, *declaration.magnitudes, *flags] if c not in df]
        if missing:
            raise OutputError(f"table '{name}': declared column(s) {missing} are not in the table")
        min_dof, dims = declaration.min_dof, declaration.dims
        if declaration.withhold:
            self._record(output, "table", kind, 0, "withheld", declaration.withhold)
            return None
        if min_dof is not None and not sdc.dof_is_safe(min_dof, 0, config):
            self._record(
                output,
                "table",
                kind,
                0,
                "withheld",
                f"residual degrees of freedom {min_dof} below {config.safe_dof_threshold}",
            )
            return None
        if counts:
            margins = dims is None or len(dims) > 0
            if dims is None:
                dims = tuple(
                    c
                    for c in df.columns
                    if c not in counts
                    and c not in derived
                    and c not in flags
                    and not pd.api.types.is_float_dtype(df[c])
                )
            undeclared_numbers = [
                c
                for c in df.columns
                if c not in counts and c not in derived and pd.api.types.is_float_dtype(df[c])
            ]
            if undeclared_numbers:
                raise OutputError(
                    f"table '{name}': float column(s) {undeclared_numbers} are neither counts nor "
                    "derived from a count; declare them in Disclosure(derived={column: count})"
                )
            protected = sdc.protect_counts(df, counts, derived, list(dims), config, margins=margins)
            protected = sdc.protect_magnitudes(protected, df, declaration.magnitudes)
            status = "suppressed" if (protected.primary or protected.secondary) else "safe"
            status = "suppressed" if protected.dominated else status
            if protected.rounded:
                status = "rounded"
            self._checks[name] = {
                "primary": protected.primary,
                "secondary": protected.secondary,
                "dominance": protected.dominated,
                "reason": protected.reason,
            }
            return protected.table, status, sdc.public_note(protected, config)
        if min_dof is not None:
            return (
                df,
                "safe",
                f"residual degrees of freedom {min_dof} >= {config.safe_dof_threshold}",
            )
        if declaration.safe_reason:
            return df, "safe", declaration.safe_reason
        if kind is DataKind.MICRODATA:
            self._record(output, "table", kind, 0, "withheld", "no disclosure-control declaration")
            return None
        return (
            df,
            "unchecked",
            "synthetic data; no disclosure-control declaration (would be withheld for microdata)",
        )

    # ----------------------------------------------------------------- figures
    def figure(
        self,
        fig: Figure,
        name: str,
        *,
        data_kind: DataKind | str | None = None,
        source_tables: Iterable[str] = (),
        shows_records: bool = False,
    ) -> Path | None:
        """Save `fig` as `figures/<name>.svg` (byte-identical on rerun), labelled by data kind,
        and show it in the notebook once, as the report reads it (`plotting.figure_html`).

        The headline title, subtitle, alt text and caption come from the chart's description
        (`plotting.release_description`): a figure with none raises ChartError. The "download
        the data" link points at the first source table's CSV. Record-level figures declare the
        released tables they are drawn from (`source_tables`, drawn from `released(name)`), or
        `shows_records=True` for plots of individual records (residuals, scatter plots), which
        are never released from real microdata.
        """
        import matplotlib.pyplot as plt

        from nps_analysis import plotting

        kind = DataKind(data_kind) if data_kind is not None else DataKind(self.data_kind)
        _check_name(name)
        sources = list(source_tables)
        output = f"figures/{name}.svg"
        status, note = "published", "already public"
        try:
            if kind.is_record_level:
                status, note = self._figure_decision(name, sources, shows_records, kind)
            else:
                unknown = [t for t in sources if t not in self._released]
                if unknown:
                    raise OutputError(
                        f"figure '{name}': source table(s) {unknown} were not written by this "
                        "writer (the chart's data link would point nowhere)"
                    )
            if status == "withheld":
                self._record(output, "figure", kind, 0, status, note)
                _show_in_notebook(
                    f"<p><em>Figure '{html.escape(name)}' is withheld by disclosure control "
                    f"({html.escape(note)}; see the manifest).</em></p>\n",
                    name,
                )
                return None
            description = plotting.release_description(fig)
            if kind is DataKind.SYNTHETIC:
                plotting.watermark(fig, "SYNTHETIC DATA")
            svg = plotting.to_svg(fig)
        finally:
            plt.close(fig)
        path = self.figures_dir / f"{name}.svg"
        atomic_write(path, svg)
        self._record(output, "figure", kind, 0, status, note)
        href = None
        if sources:
            from nps_analysis.release.notebook import data_href

            href = data_href(self.output_dir, f"tables/{sources[0]}.csv")
        markup = plotting.figure_html(svg, description, data_href=href, figure_id=f"figure-{name}")
        _show_in_notebook(markup, name, description.title, description.alt)
        return path

    def _figure_decision(
        self, name: str, sources: list[str], shows_records: bool, kind: DataKind
    ) -> tuple[str, str]:
        unknown = [t for t in sources if t not in self._released]
        if unknown:
            raise OutputError(
                f"figure '{name}': source table(s) {unknown} were not written by this writer"
            )
        microdata = kind is DataKind.MICRODATA
        if shows_records:
            if microdata:
                return "withheld", "plots individual records"
            return "safe", "plots individual records (synthetic data only; withheld for microdata)"
        if sources:
            return "safe", f"drawn from released table(s) {', '.join(sources)}"
        if microdata:
            return "withheld", "no source table declared"
        return (
            "unchecked",
            "synthetic data; no source table declared (would be withheld for microdata)",
        )

    # ---------------------------------------------------------------- manifest
    def manifest(self) -> pd.DataFrame:
        """What this writer has written so far, one row per output."""
        cols = ["output", "kind", "data_kind", "rows", "status", "note", "count_columns"]
        return pd.DataFrame([r.__dict__ for r in self.records], columns=cols)

    def write_manifest(self) -> Path:
        """Write `<output_dir>/manifest.csv`, the released list of outputs: each output, its data
        kind, status (published / safe / suppressed / rounded / withheld / unchecked) and why.
        The output checker's detail (cells suppressed per rule, every released count cell for the
        release-wide audit) goes to `checker_dir_for(output_dir)/checks.json`, outside the
        release. Call once at the end of a notebook."""
        path = Path(self.output_dir) / "manifest.csv"
        atomic_write(path, to_csv_text(self.manifest()).encode("utf-8"))
        if self._declarations:  # record-level tables: the output checker's detail
            checker = checker_dir_for(self.output_dir) / "checks.json"
            record = json.dumps(self.checker_record(), indent=1) + "\n"
            atomic_write(checker, record.encode("utf-8"))
        return path

    def checker_record(self) -> dict[str, object]:
        """What the output checker needs of this writer's record-level tables: per table the
        checks applied and its count cells (released values, None for `c`) with their members."""
        tables = {}
        for name, declaration in self._declarations.items():
            tables[name] = {
                "data_kind": self._kinds.get(name, DataKind(self.data_kind)).value,
                "checks": self._checks.get(name, {}),
                "population": declaration.population,
                "cells": self._cells.get(name, []),
            }
        return {"analysis": display_path(self.output_dir), "tables": tables}

    def _audit_context(self) -> dict[str, str]:
        """Members every count of this writer has: a regional report counts its region."""
        from nps_analysis.regions import PAN_REGIONS

        region = self.context.get("region")
        return {"region": region} if region in PAN_REGIONS else {}

    def _record(
        self,
        output: str,
        kind: str,
        data_kind: DataKind,
        rows: int,
        status: str,
        note: str = "",
        count_columns: str = "",
    ) -> None:
        self.records = [r for r in self.records if r.output != output]
        self.records.append(
            OutputRecord(output, kind, data_kind.value, rows, status, note, count_columns)
        )

    def __repr__(self) -> str:  # keep absolute paths out of notebook outputs
        return f"OutputWriter(output_dir={display_path(self.output_dir)!r}, data_kind={DataKind(self.data_kind).value!r})"


def to_csv_text(df: pd.DataFrame) -> str:
    """Deterministic CSV text: LF line endings, minimal quoting, floats as %.10g, NA as empty.

    Floats inside mixed (object) columns — e.g. percentages beside suppression markers — get the
    same format as float columns.
    """
    df = df.copy()
    for column in df.columns[df.dtypes.map(pd.api.types.is_object_dtype)]:
        values = df[column]
        is_float = values.map(lambda v: isinstance(v, float) and v == v)
        if is_float.any():
            df[column] = values.where(~is_float, values[is_float].map(lambda v: FLOAT_FORMAT % v))
    return df.to_csv(
        index=False, lineterminator="\n", float_format=FLOAT_FORMAT, quoting=csv.QUOTE_MINIMAL
    )


def _show_in_notebook(markup: str, name: str, title: str = "", alt: str = "") -> None:
    """Display a figure's HTML (or the sentence saying it was withheld) when running in a
    notebook: the one place a chart is shown, exactly as written (watermark included). The
    output's metadata names the figure, so a report page shows it once."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell":
        from IPython.display import display

        from nps_analysis.release.notebook import OUTPUT_METADATA_KEY

        meta = {OUTPUT_METADATA_KEY: {"figure": name, "audience": "reader", "alt": alt}}
        display(
            {"text/html": markup, "text/plain": title or f"Figure '{name}'"},
            raw=True,
            metadata=meta,
        )


def _check_name(name: str) -> None:
    if not _NAME_PATTERN.match(name):
        raise OutputError(
            f"output name '{name}' is not allowed: use lower-case letters, digits, '_' or '-' "
            "(e.g. 'annual_totals'); the file extension is added for you"
        )
