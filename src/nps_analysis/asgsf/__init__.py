"""ASGSF therapy trends (National Picture s4.2): growth, mix, trend models, spend, age, forecast."""

from nps_analysis.asgsf.analysis import AsgsfResults, published_check, run_analysis, write_outputs
from nps_analysis.asgsf.rounding import REPORT_ROUNDING, Rounding, format_pct, round_values

__all__ = [
    "REPORT_ROUNDING",
    "AsgsfResults",
    "Rounding",
    "format_pct",
    "published_check",
    "round_values",
    "run_analysis",
    "write_outputs",
]
