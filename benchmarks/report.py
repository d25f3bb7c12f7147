"""Results: the tidy CSV, the targets table, a chart and a printed summary."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from benchmarks.common import RESULT_COLUMNS, Row

TARGET_COLUMNS: tuple[str, ...] = ("target", "measured", "met")


def to_frame(rows: list[Row]) -> pd.DataFrame:
    """Rows as a DataFrame with RESULT_COLUMNS."""
    return pd.DataFrame([r.record() for r in rows], columns=list(RESULT_COLUMNS))


def _one(df: pd.DataFrame, case: str, size: int | None = None) -> pd.Series | None:
    sel = df[df["case"] == case]
    if size is not None:
        sel = sel[sel["size"] == size]
    return None if sel.empty else sel.iloc[0]


def targets(df: pd.DataFrame) -> pd.DataFrame:
    """The issue's performance targets, each with the measured figure and met / not met."""
    out: list[tuple[str, str, str]] = []

    def add(target: str, measured: str, ok: bool | None) -> None:
        out.append((target, measured, "n/a" if ok is None else ("met" if ok else "NOT met")))

    if (r := _one(df, "noop_repro")) is not None:
        add("no-op dvc repro < 3 s", f"{r.median_s:.2f} s", r.median_s < 3)
    if (r := _one(df, "noop_run")) is not None:
        add("no-op nps run (make reproduce) < 3 s", f"{r.median_s:.2f} s", r.median_s < 3)
    if (r := _one(df, "one_region_change")) is not None:
        text = str(r.note).removeprefix("stages rerun: ")
        reran, _, outside = text.partition("; outside the region and its dependants: ")
        add(
            "one-region change reruns only that region's stages (+ stages that read them)",
            f"{reran}; others: {outside}",
            "regional@south-west" in reran.split() and outside == "none",
        )
    pm = df[df["case"].str.endswith(":papermill")]
    for r in pm.itertuples():
        add(f"{r.case.split(':')[0]} within 1.5x its floor", f"x{r.ratio:.2f}", r.ratio <= 1.5)
    if (r := _one(df, "run_all_stage_commands")) is not None:
        add("full pipeline (nps run) >= 1.5x faster than naive", f"x{r.ratio:.2f}", r.ratio >= 1.5)
    if (r := _one(df, "nbconvert_unprotected")) is not None:
        add(
            "(reference) nps run vs nbconvert of every notebook, unprotected",
            f"x{r.ratio:.2f}",
            None,
        )
    if (r := _one(df, "asgsf_total", 10**6)) is not None:
        add("10^6 ASGSF rows: validation + analyses < 10 s", f"{r.median_s:.2f} s", r.median_s < 10)
        add("10^6 ASGSF rows: peak memory < 2 GB", f"{r.peak_mb:,.0f} MB", r.peak_mb < 2048)
    for case in ("asgsf_total", "asgsf_validate", "step_fit", "workforce_total"):
        if (r := _one(df, case)) is not None and not math.isnan(r.growth_exponent):
            add(
                f"{case} growth exponent <= 1.1",
                f"{r.growth_exponent:.2f}",
                r.growth_exponent <= 1.1,
            )
        last = df[(df["case"] == case) & df["median_s"].notna()].sort_values("size").tail(2)
        if len(last) == 2:  # the largest decade, where fixed costs matter least
            k = math.log(last["median_s"].iloc[1] / last["median_s"].iloc[0]) / math.log(
                last["size"].iloc[1] / last["size"].iloc[0]
            )
            sizes = f"{int(last['size'].iloc[0]):,}-{int(last['size'].iloc[1]):,}"
            add(f"{case} growth exponent, {sizes} rows, <= 1.1", f"{k:.2f}", k <= 1.1)
    if (r := _one(df, "step_fit", 10**5)) is not None:
        add("STEP model on 10^5 families < 2 s", f"{r.median_s:.2f} s", r.median_s < 2)
    return pd.DataFrame(out, columns=list(TARGET_COLUMNS))


def chart(df: pd.DataFrame, path: Path) -> Path:
    """Four panels: pipeline, notebook overhead, scale times (log-log) and scale peak memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax = axes[0, 0]
    pipe = df[df["benchmark"].isin(["pipeline", "naive"])]
    if not pipe.empty:
        ax.barh(pipe["case"], pipe["median_s"], color="#1D70B8")
        ax.set_xlabel("seconds (median)")
    ax.set_title("Pipeline (throwaway copy)")
    ax = axes[0, 1]
    nb = df[df["benchmark"] == "notebooks"].copy()
    if not nb.empty and nb["case"].str.contains(":").any():
        nb = nb[nb["case"].str.contains(":")]
        nb[["notebook", "kind"]] = nb["case"].str.split(":", expand=True)
        wide = nb.pivot(index="notebook", columns="kind", values="median_s")
        wide[[c for c in ("papermill", "floor", "render_html") if c in wide]].plot.barh(ax=ax)
        ax.set_xlabel("seconds (median)")
    ax.set_title("Notebook: papermill vs floor, and HTML render")
    scale = df[df["benchmark"] == "scale"]
    for case in ("asgsf_total", "asgsf_validate", "asgsf_analysis", "step_fit", "workforce_total"):
        s = scale[(scale["case"] == case) & scale["median_s"].notna()]
        if s.empty:
            continue
        k = s["growth_exponent"].iloc[0]
        axes[1, 0].loglog(s["size"], s["median_s"], marker="o", label=f"{case} (k={k:.2f})")
        if case.endswith(("total", "fit")):
            axes[1, 1].semilogx(s["size"], s["peak_mb"], marker="o", label=case)
    axes[1, 0].set(title="Scale: time vs rows", xlabel="rows", ylabel="seconds (median)")
    axes[1, 1].set(title="Scale: peak RSS vs rows", xlabel="rows", ylabel="MB")
    for a in axes[1]:
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def summary(df: pd.DataFrame, tg: pd.DataFrame) -> str:
    """A readable text summary: results table then targets."""
    show = df.drop(columns=["note"]).copy()
    for c in ("median_s", "min_s", "max_s", "ratio", "growth_exponent"):
        show[c] = show[c].map(lambda v: "" if pd.isna(v) else f"{v:.3g}")
    show["peak_mb"] = show["peak_mb"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    show["size"] = show["size"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}")
    lines = ["", "Results (median of repeats)", show.to_string(index=False)]
    if not tg.empty:
        lines += ["", "Targets", tg.to_string(index=False)]
    return "\n".join(lines)


def write_all(rows: list[Row], out_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write results.csv, targets.csv and results.png under `out_dir`; return both tables."""
    out_dir.mkdir(parents=True, exist_ok=True)
    df = to_frame(rows)
    df.to_csv(out_dir / "results.csv", index=False)
    tg = targets(df)
    tg.to_csv(out_dir / "targets.csv", index=False)
    chart(df, out_dir / "results.png")
    return df, tg
