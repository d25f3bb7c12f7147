"""The workforce headline sentences, from released tables (hand-worked values)."""

from __future__ import annotations

import pandas as pd

from nps_analysis.workforce import narrative

FTE = pd.DataFrame(
    {
        "role": ["social workers", "team managers", "other"],
        "fte": [233.95, 46.79, 144.63],
        "share_pct": [54.99917719, 10.99983544, 34.00098737],
    }
)
COVERAGE = pd.DataFrame(
    {
        "skill": ["DDP", "Theraplay"],
        "share_pct": [33.98105741, 19.99644271],
        "raas_responding": [18, 18],
    }
)
GAPS = pd.DataFrame(
    {
        "skill": ["DDP", "TLSW"],
        "raas_with_gap": [8, 6],
        "raas_responding": [17, 17],
        "raas_in_area": [30, 30],
        "ci_low": [33.33333333, 23.3],
        "ci_high": [63.33333333, 53.3],
    }
)


def test_headlines_are_worded_from_the_released_values() -> None:
    fte, skills, gaps = narrative.headline_sentences(
        {"fte_by_role": FTE, "skills_coverage": COVERAGE, "skills_gaps_bounds": GAPS}, "England"
    )
    # 233.95 + 46.79 + 144.63 = 425.37; 54.999...% rounds half up to 55%
    assert fte == (
        "About 425.37 FTE work in adoption support in England; social workers are the largest "
        "group (55% of FTE)."
    )
    assert skills.startswith("DDP is the model most staff in England are trained in: 34% of")
    assert "in 18 responding RAAs" in skills
    assert gaps == (
        "The skills gap named most often in England is DDP: 8 of the 17 RAAs that indicated their "
        "gaps; for all 30 RAAs, between 33% and 63% (95% interval if the responders are like the "
        "others)."
    )


def test_a_suppressed_cell_withholds_its_sentence_and_shows_no_number() -> None:
    fte = FTE.assign(fte=["c", 46.79, 144.63])
    sentence = narrative.fte_sentence(fte, "Eastern")
    assert sentence == f"Adoption support FTE by role in Eastern: {narrative.WITHHELD}."
    gaps = narrative.gaps_sentence(GAPS.assign(raas_with_gap=["c", 6]), "Eastern")
    assert "8" not in gaps and narrative.WITHHELD in gaps
