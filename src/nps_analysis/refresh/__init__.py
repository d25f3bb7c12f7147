"""Rerunning with new data: a new DfE release or ASGSF year checked against the specs of its
release, copied into ``data/raw`` with its SOURCES entry and a reason in the run history, and a
release diff saying what changed (see README, "Rerunning with new data")."""
