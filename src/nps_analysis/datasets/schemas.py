"""pandera schemas for the typed (processed) frames, generated from the specs.

These are the contract downstream analysis code can rely on: `pandera_schema("step").validate(df)`.
All checks are vectorised built-ins (dtype, range, membership), so they stay fast at scale. The
pipeline itself does not run them: the engine (`engine.check_table`) is the one validation path and
builds the typed frames from the same specs; the tests use these schemas to check that it does.
"""

from __future__ import annotations

from functools import cache

import pandera.pandas as pa

from nps_analysis.datasets.spec import ColumnSpec, get_spec, get_vocabulary


def _column(col: ColumnSpec) -> pa.Column:
    checks: list[pa.Check] = []
    if col.min is not None:
        checks.append(pa.Check.gt(col.min) if col.min_exclusive else pa.Check.ge(col.min))
    if col.max is not None:
        checks.append(pa.Check.le(col.max))
    if col.vocab_name:
        allowed = list(get_vocabulary(col.vocab_name).values) + (
            [col.blank_label] if col.blank_label else []
        )
        checks.append(pa.Check.isin(allowed))
    return pa.Column(
        col.dtype,
        checks=checks,
        nullable=col.nullable,
        unique=col.unique,
        required=not col.optional,
        description=col.description,
    )


@cache
def pandera_schema(name: str) -> pa.DataFrameSchema:
    """The pandera schema of the typed frame of data set `name`."""
    spec = get_spec(name)
    return pa.DataFrameSchema(
        {c.name: _column(c) for c in spec.columns},
        strict=True,
        ordered=False,
        name=name,
        description=spec.description,
    )
