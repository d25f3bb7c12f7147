"""Project figure theme: one look for every chart, set in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PALETTE = ["#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1", "#2073BC", "#6BACE6"]
"""The Government Analysis Function's accessible categorical palette."""


def apply_theme() -> None:
    """Use a deterministic, accessible theme (Agg backend, fixed fonts and sizes)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=PALETTE, font="DejaVu Sans")
    matplotlib.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (8, 4.5),
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "svg.hashsalt": "nps-analysis",
        }
    )


def new_figure(width: float = 8, height: float = 4.5) -> tuple[Figure, Axes]:
    """A themed figure and axes."""
    import matplotlib.pyplot as plt

    apply_theme()
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax
