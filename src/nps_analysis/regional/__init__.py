"""One pan-region's needs assessment (Appendix A of the National Picture), section by section.

Each function returns tidy tables; the notebook writes them through the OutputWriter, which
applies disclosure control to those built from record-level data.
"""
