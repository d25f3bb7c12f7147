"""Simulators of record-level data with known parameters, for tests and benchmarks only (the
default data of the pipeline are made by `nps_analysis.synth`)."""
