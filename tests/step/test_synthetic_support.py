"""The synthetic STEP default honours the report: "just over half currently receiving no support"."""

from __future__ import annotations

from nps_analysis.config import load_params
from nps_analysis.published import figure
from nps_analysis.synth.step import generate

NO_SUPPORT = "appx.eastern.step_no_support"
"""Appendix A (Eastern): 'Just over half currently receiving no support' (transcribed as > 50%)."""


def test_assumed_support_rate_leaves_just_over_half_without_support():
    pct = load_params()["synth"]["step"]["receiving_support_pct"]
    none = 100 - pct
    assert none > figure(NO_SUPPORT), f"{none}% without support is not 'just over half'"
    assert none <= 55, f"{none}% without support is more than 'just over half'"


def test_generated_extract_has_just_over_half_without_support():
    params = load_params()["synth"]
    df = generate(params["step"], int(params["seed"]))
    known = df["receiving_support"].dropna().astype(bool)
    share_none = 1 - known.mean()
    assert 0.5 < share_none <= 0.55, share_none
