"""The one path for results out: every table and figure a notebook publishes goes through here.

Naming, deterministic formatting, provenance labelling and (for microdata) disclosure control all
happen in this module, so no notebook can write a result any other way.
"""

from __future__ import annotations

import csv
import html
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from nps_analysis.disclosure.declaration import Disclosure
from nps_analysis.paths import display_path, resolve
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
            self._raw[name] = df.reset_index(drop=True).copy()
            self._declarations[name] = declaration
        out = out.drop(columns=list(declaration.hidden_counts))
        path = self.tables_dir / f"{name}.csv"
        _atomic_write(path, to_csv_text(out).encode("utf-8"))
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
    ) -> Path | None:
        """Count, total and mean of `value` by `by`, computed from records and checked by ACRO
        (threshold, n-k dominance, p-ratio) plus secondary suppression, then written."""
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
        table, reason = sdc.magnitude_table(records, by, value, self.sdc_config)
        status = "suppressed" if (table == SUPPRESSED).any().any() else "safe"
        path = self.tables_dir / f"{name}.csv"
        _atomic_write(path, to_csv_text(table).encode("utf-8"))
        self._released[name] = table
        self._record(f"tables/{name}.csv", "table", kind, len(table), status, reason, "n")
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

    def _protect(
        self, df: pd.DataFrame, name: str, declaration: Disclosure, kind: DataKind
    ) -> tuple[pd.DataFrame, str, str] | None:
        from nps_analysis import sdc

        output = f"tables/{name}.csv"
        config = self.sdc_config
        counts, derived = list(declaration.all_counts), dict(declaration.derived)
        missing = [c for c in [*counts, *derived] if c not in df.columns]
        if missing:
            raise OutputError(f"table '{name}': declared column(s) {missing} are not in the table")
        min_dof, dims = declaration.min_dof, declaration.dims
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
            status = "suppressed" if (protected.primary or protected.secondary) else "safe"
            if protected.rounded:
                status = "rounded"
            return protected.table, status, protected.reason
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
                fig.text(
                    0.995,
                    0.005,
                    "SYNTHETIC DATA",
                    ha="right",
                    va="bottom",
                    fontsize=plotting.MIN_FONT_PT,
                    color="#b00020",
                )
            svg = plotting.to_svg(fig)
        finally:
            plt.close(fig)
        path = self.figures_dir / f"{name}.svg"
        _atomic_write(path, svg)
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
        """Write `<output_dir>/manifest.csv`, the output-checking log of this analysis: each
        output, its data kind, status (published / safe / suppressed / rounded / withheld /
        unchecked) and the reason. Call once at the end of a notebook."""
        path = Path(self.output_dir) / "manifest.csv"
        _atomic_write(path, to_csv_text(self.manifest()).encode("utf-8"))
        return path

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


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never leaves a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
