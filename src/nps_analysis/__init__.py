"""nps-analysis: the National Picture of Adoption Support Commissioning as reproducible code."""

__version__ = "0.1.0"
