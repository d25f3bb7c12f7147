"""Benchmark suite for nps-analysis (run: `make bench` or `python benchmarks/run.py --help`).

Separate from the test suite: it measures the DVC pipeline, notebook overhead against its floor,
a naive `jupyter nbconvert --execute` baseline, and how the analyses scale with input size.
"""
