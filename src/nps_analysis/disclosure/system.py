"""The intruder's knowledge as one sparse linear system, over a sound reduction of the atoms.

The atoms (counts of every combination of categories) are not enumerated. Per population:

1. **Blocks** — categories of a dimension that no cell or relation tells apart are merged.
2. **Cliques** — the dimensions named together by some cell are joined in a graph, which is
   triangulated (greedy elimination, smallest clique first); the atoms of each maximal clique
   become the variables, and adjacent cliques of a junction tree must agree on the counts of
   their shared dimensions. Tables that share only the grand total are never crossed.

docs/disclosure-audit.md proves both steps keep the intruder's integer feasible set of every
released or suppressed count exactly as over the full cross-product.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from nps_analysis.disclosure.model import Cell, CellKey, Dimension, Members, Relation

Spec = tuple[tuple[str, frozenset[str]], ...]
"""Canonical members: (dimension, categories) for each dimension that is restricted, sorted."""


@dataclass(frozen=True)
class LinearSystem:
    """lower <= matrix @ x <= upper for non-negative integer x; targets @ x are the hidden counts."""

    matrix: sparse.csr_array
    lower: np.ndarray
    upper: np.ndarray
    sources: tuple[str, ...]  # what each row states, for messages
    row_cells: tuple[tuple[CellKey, ...], ...]  # the released cells each row states (copies)
    relation_rows: tuple[int, ...]  # the row of each relation, in input order
    targets: sparse.csr_array  # one row per distinct suppressed count
    target_of: tuple[int, ...]  # for each suppressed cell (input order), its row in `targets`
    suppressed: tuple[Cell, ...]
    published_as: tuple[Cell | None, ...] = ()  # per suppressed cell: a released copy, if any


def spec_of(members: Members, dimensions: dict[str, Dimension]) -> Spec:
    """Validate `members` and drop dimensions restricted to all their categories."""
    out = []
    for name, chosen in members.items():
        if name not in dimensions:
            raise ValueError(f"unknown dimension {name!r}")
        cats = frozenset([chosen] if isinstance(chosen, str) else chosen)
        allowed = dimensions[name].categories
        if not cats or not cats <= set(allowed):
            raise ValueError(f"{sorted(cats)} are not categories of dimension {name!r}")
        if len(cats) < len(allowed):
            out.append((name, cats))
    return tuple(sorted(out, key=lambda item: item[0]))


class _Population:
    """Variables and consistency rows of one population, built from all its specs."""

    def __init__(self, specs: Sequence[Spec], dimensions: dict[str, Dimension]) -> None:
        order = {name: i for i, name in enumerate(dimensions)}
        used = sorted({d for spec in specs for d, _ in spec}, key=order.__getitem__)
        self.block: dict[str, dict[str, int]] = {d: _blocks(dimensions[d], specs) for d in used}
        size = {d: max(self.block[d].values()) + 1 for d in used}
        cliques = _cliques([[d for d, _ in spec] for spec in specs], used, size)
        self.cliques = [sorted(c, key=order.__getitem__) for c in cliques]
        self.grids = [
            np.indices([size[d] for d in c]).reshape(len(c), -1).T.astype(np.int32)
            for c in self.cliques
        ]
        self.offsets = np.cumsum([0] + [len(g) for g in self.grids])
        self.n_vars = int(self.offsets[-1])
        self.size = size

    def columns(self, spec: Spec) -> np.ndarray:
        """The variables whose sum is the count of `spec` (in the smallest clique holding it)."""
        dims = {d for d, _ in spec}
        i = min(
            (i for i, c in enumerate(self.cliques) if dims <= set(c)),
            key=lambda i: (len(self.grids[i]), i),
        )
        grid, keep = self.grids[i], np.ones(len(self.grids[i]), dtype=bool)
        for d, cats in spec:
            blocks = sorted({self.block[d][c] for c in cats})
            keep &= np.isin(grid[:, self.cliques[i].index(d)], blocks)
        return self.offsets[i] + np.flatnonzero(keep)

    def consistency(self) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
        """(row ids, columns, coefficients, rows) per junction-tree edge: both cliques agree on
        the counts of their separator (on the grand total when they share no dimension)."""
        for i, j in _junction_tree(self.cliques):
            sep = [d for d in self.cliques[i] if d in self.cliques[j]]
            shape = [self.size[d] for d in sep] or [1]
            keys: list[np.ndarray] = []
            for k in (i, j):
                positions = [self.cliques[k].index(d) for d in sep]
                grid = self.grids[k]
                keys.append(
                    np.asarray(np.ravel_multi_index(tuple(grid[:, positions].T), shape))
                    if sep
                    else np.zeros(len(grid), dtype=np.int64)
                )
            rows = np.concatenate(keys)
            cols = np.concatenate(
                [self.offsets[k] + np.arange(len(key)) for k, key in zip((i, j), keys, strict=True)]
            )
            coefs = np.concatenate([np.ones(len(keys[0])), -np.ones(len(keys[1]))])
            yield rows, cols, coefs, math.prod(shape)


def _blocks(dimension: Dimension, specs: Sequence[Spec]) -> dict[str, int]:
    """Category -> block: categories in exactly the same restrictions share a block."""
    subsets = sorted(
        {cats for spec in specs for d, cats in spec if d == dimension.name}, key=sorted
    )
    signatures: dict[tuple[bool, ...], int] = {}
    return {
        c: signatures.setdefault(tuple(c in s for s in subsets), len(signatures))
        for c in dimension.categories
    }


def _cliques(edges: list[list[str]], nodes: list[str], size: dict[str, int]) -> list[set[str]]:
    """Maximal cliques of a triangulation of the graph joining dimensions named together."""
    adjacent: dict[str, set[str]] = {d: set() for d in nodes}
    for dims in edges:
        for a, b in itertools.combinations(dims, 2):
            adjacent[a].add(b)
            adjacent[b].add(a)
    position = {d: i for i, d in enumerate(nodes)}
    cliques: list[set[str]] = []
    while adjacent:
        v = min(
            adjacent,
            key=lambda d: (math.prod(size[u] for u in adjacent[d] | {d}), position[d]),
        )
        clique = adjacent[v] | {v}
        for a, b in itertools.combinations(sorted(adjacent[v], key=position.__getitem__), 2):
            adjacent[a].add(b)
            adjacent[b].add(a)
        for u in adjacent.pop(v):
            adjacent[u].discard(v)
        if not any(clique <= c for c in cliques):
            cliques.append(clique)
    return [c for c in cliques if not any(c < other for other in cliques)] or [set()]


def _junction_tree(cliques: list[list[str]]) -> list[tuple[int, int]]:
    """Edges of a maximum-weight spanning tree (weight: shared dimensions) — a junction tree."""
    pairs = sorted(
        itertools.combinations(range(len(cliques)), 2),
        key=lambda p: (-len(set(cliques[p[0]]) & set(cliques[p[1]])), p),
    )
    root = list(range(len(cliques)))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    tree = []
    for i, j in pairs:
        a, b = find(i), find(j)
        if a != b:
            root[max(a, b)] = min(a, b)
            tree.append((i, j))
    return tree


class _Rows:
    """Accumulates sparse rows lower <= a @ x <= upper."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.coefs: list[np.ndarray] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.sources: list[str] = []

    def add(self, cols: np.ndarray, coefs: np.ndarray, lo: float, hi: float, source: str) -> None:
        """One row (duplicate columns are summed)."""
        self.rows.append(np.full(len(cols), len(self.lower)))
        self.cols.append(np.asarray(cols))
        self.coefs.append(np.asarray(coefs, dtype=float))
        self.lower.append(lo)
        self.upper.append(hi)
        self.sources.append(source)

    def matrix(self, n_vars: int) -> sparse.csr_array:
        """The rows as a CSR matrix."""
        if not self.rows:
            return sparse.csr_array((0, n_vars))
        coo = sparse.coo_array(
            (np.concatenate(self.coefs), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(len(self.lower), n_vars),
        )
        return coo.tocsr()


def build_system(
    dimensions: Sequence[Dimension],
    cells: Sequence[Cell],
    relations: Sequence[Relation] = (),
    *,
    suppressed_bounds: tuple[float, float] = (0, math.inf),
) -> LinearSystem:
    """The intruder's linear system: released cells are equalities, suppressed cells carry their
    a-priori bounds (`suppressed_bounds` unless the cell has its own) and relations their range."""
    dims = {d.name: d for d in dimensions}
    if len(dims) != len(dimensions):
        raise ValueError("dimension names must be unique")
    keys = [c.key for c in cells]
    if len(set(keys)) != len(keys):
        raise ValueError("cells must have unique (table, row, column)")
    cell_specs = [spec_of(c.members, dims) for c in cells]
    term_specs = [[spec_of(m, dims) for _, m in r.terms] for r in relations]
    by_population: dict[str, list[Spec]] = {}
    for cell, spec in zip(cells, cell_specs, strict=True):
        by_population.setdefault(cell.population, []).append(spec)
    for relation, specs in zip(relations, term_specs, strict=True):
        by_population.setdefault(relation.population, []).extend(specs)
    populations, offset, rows = {}, {}, _Rows()
    n_vars = 0
    for name, specs in by_population.items():
        populations[name] = _Population(specs, dims)
        offset[name] = n_vars
        n_vars += populations[name].n_vars
        for ids, cols, coefs, n in populations[name].consistency():
            base = len(rows.lower)
            rows.rows.append(base + ids)
            rows.cols.append(offset[name] + cols)
            rows.coefs.append(coefs)
            rows.lower.extend([0.0] * n)
            rows.upper.extend([0.0] * n)
            rows.sources.extend([f"{name}: cliques agree"] * n)

    def columns(population: str, spec: Spec) -> np.ndarray:
        return offset[population] + populations[population].columns(spec)

    released: dict[tuple[str, Spec], Cell] = {}
    first_released = {
        (cell.population, spec): cell
        for cell, spec in reversed(list(zip(cells, cell_specs, strict=True)))
        if cell.value is not None
    }  # a `c` in one table whose count another table releases hides nothing
    row_of: dict[tuple[str, Spec], int] = {}
    stated: dict[int, list[CellKey]] = {}  # row -> the released cells (copies) it states
    targets: dict[tuple[str, Spec], int] = {}
    target_of, suppressed, target_cols = [], [], []
    for cell, spec in zip(cells, cell_specs, strict=True):
        where = f"{cell.table} row {cell.row} {cell.column}"
        cols = columns(cell.population, spec)
        ident = (cell.population, spec)
        if cell.value is not None:
            seen = released.setdefault(ident, cell)
            if seen.value != cell.value:
                raise ValueError(
                    f"{where} = {cell.value} but the same count is {seen.value} in "
                    f"{seen.table} row {seen.row} {seen.column}"
                )
            if seen is cell:
                row_of[ident] = len(rows.lower)
                rows.add(cols, np.ones(len(cols)), cell.value, cell.value, where)
            stated.setdefault(row_of[ident], []).append(cell.key)
            continue
        lo, hi = cell.bounds or suppressed_bounds
        if lo > 0 or hi < math.inf:
            rows.add(cols, np.ones(len(cols)), lo, hi, f"{where} is c")
        if ident not in targets:
            targets[ident] = len(targets)
            target_cols.append(cols)
        target_of.append(targets[ident])
        suppressed.append(cell)
    relation_rows: list[int] = []
    for relation, specs in zip(relations, term_specs, strict=True):
        parts = [
            (coef, columns(relation.population, spec))
            for (coef, _), spec in zip(relation.terms, specs, strict=True)
        ]
        cols = np.concatenate([c for _, c in parts])
        coefs = np.concatenate([np.full(len(c), coef, dtype=float) for coef, c in parts])
        row = sparse.csr_array((coefs, (np.zeros(len(cols), dtype=int), cols)), shape=(1, n_vars))
        row.sum_duplicates()
        row.eliminate_zeros()
        relation_rows.append(len(rows.lower))
        rows.add(
            row.indices,
            row.data,
            *_integer_range(row.data, relation.lo, relation.hi),
            relation.source,
        )
    target_matrix = _Rows()
    for cols in target_cols:
        target_matrix.add(cols, np.ones(len(cols)), 0, 0, "")
    return LinearSystem(
        matrix=rows.matrix(n_vars),
        lower=np.asarray(rows.lower, dtype=float),
        upper=np.asarray(rows.upper, dtype=float),
        sources=tuple(rows.sources),
        row_cells=tuple(tuple(stated.get(i, ())) for i in range(len(rows.lower))),
        relation_rows=tuple(relation_rows),
        targets=target_matrix.matrix(n_vars),
        target_of=tuple(target_of),
        suppressed=tuple(suppressed),
        published_as=tuple(
            first_released.get((c.population, spec_of(c.members, dims))) for c in suppressed
        ),
    )


def _integer_range(coefs: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """With integer coefficients the row is an integer: round its range inwards."""
    if not np.all(coefs == np.round(coefs)):
        return lo, hi
    return (
        math.ceil(lo - 1e-9) if math.isfinite(lo) else lo,
        math.floor(hi + 1e-9) if math.isfinite(hi) else hi,
    )
