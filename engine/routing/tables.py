"""The aisle programme's state space, compiled once per block count into integer arrays.

:mod:`engine.routing.aisle_dp` defines the programme (states, vertical options,
horizontal moves) and explores it lazily with Python dictionaries. This module
closes that state space under every move and stores it as flat numpy arrays, so
that the per-route work (:mod:`engine.routing.kernel`) is a min-plus sweep over
integers with no Python in the loop.

Sizes (states; horizontal moves, the same count with and without the depot on
the column): one block 6 (8), two 24 (45), three 112 (288), four 568 (1,973),
five 3,032 (14,147). Compiling takes milliseconds up to three blocks, about
0.2 s for four and 1.5 s for five; beyond five the reference programme is used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from engine.routing import aisle_dp

MAX_BLOCKS = 5  # six blocks would hold ~16,000 states: the reference programme serves beyond
N_OPTIONS = len(aisle_dp._EFFECT)  # NONE, T1, T2, BOT, TOP, SPLIT


@dataclass(frozen=True, slots=True)
class CompiledTables:
    """The complete transition structure of the programme for ``blocks`` blocks (read-only arrays).

    Attributes
    ----------
    blocks
        Block count ``K``; states describe the ``K + 1`` junctions of a column.
    n_states
        Number of states; state ids are ``0 .. n_states - 1``.
    empty
        The state before the first column (no edge yet).
    seg
        ``seg[b, code, s]``: the state after vertical option ``code`` in block
        segment ``b`` from state ``s``; shape ``(K, 6, n_states)``, int32.
    hor_ptr
        ``hor_ptr[req, s] .. hor_ptr[req, s + 1]``: the horizontal moves *into*
        state ``s`` (CSR rows into ``hor_src``/``hor_edges``/``hor_mult``), so
        the sweep pulls each next state's minimum without scattered writes;
        ``req = 1`` on a column whose front junction is the depot (it must be
        visited). Shape ``(2, n_states + 1)``, int32.
    hor_src
        State before each horizontal move, int32.
    hor_edges
        Number of horizontal edges of each move (the cost is ``edges * gap``), int32.
    hor_mult
        Edge multiplicity (0, 1, 2) per cross aisle ``0 .. K`` of each move, shape
        ``(moves, K + 1)``, int8: what a stop order is rebuilt from.
    final
        ``final[req, s]`` is 1 when state ``s`` may close the tour (one component,
        no edge to the right), shape ``(2, n_states)``, uint8.
    """

    blocks: int
    n_states: int
    empty: int
    seg: np.ndarray
    hor_ptr: np.ndarray
    hor_src: np.ndarray
    hor_edges: np.ndarray
    hor_mult: np.ndarray
    final: np.ndarray


@functools.cache
def compiled_tables(blocks: int) -> CompiledTables:
    """The compiled tables for ``blocks`` blocks, built on first use and kept.

    O(states * moves) once per block count per process.

    Examples
    --------
    >>> t = compiled_tables(1)
    >>> t.n_states, t.seg.shape, int(t.hor_ptr[0, -1])
    (6, (1, 6, 6), 8)
    """
    if not 1 <= blocks <= MAX_BLOCKS:
        raise ValueError(f"compiled tables cover 1..{MAX_BLOCKS} blocks, got {blocks}")
    ref = aisle_dp._tables(blocks)
    ref.dense()  # closes the reference state space under every move
    states = ref.states
    # Horizontal moves, less the stubs: a double edge out of a junction the tour
    # has not reached (other than the depot) only walks right and back, so an
    # optimal tour never has one; dropping them prunes a third of the moves.
    moves: dict[int, list[tuple[int, int, int, tuple[int, ...]]]] = {}  # state -> (req, next, edges, m)
    closing: list[tuple[int, int]] = []
    for req in (0, 1):
        for s in range(len(states)):
            for e, ns, m in ref.hor_row(req, s):
                if ns == aisle_dp.FINAL:
                    closing.append((req, s))
                elif not any(mk and not states[s][k] and not (req and k == 0) for k, mk in enumerate(m)):
                    moves.setdefault(s, []).append((req, ns, e, m))
    # Keep the states reachable from the empty one; number them in reference order.
    seen = {ref.empty}
    frontier = [ref.empty]
    while frontier:
        s = frontier.pop()
        nxt = [ref.seg_row(b, s)[code] for b in range(blocks) for code in range(N_OPTIONS)]
        nxt += [ns for _req, ns, _e, _m in moves.get(s, ())]
        for ns in nxt:
            if ns not in seen:
                seen.add(ns)
                frontier.append(ns)
    keep = sorted(seen)
    new_id = {old: i for i, old in enumerate(keep)}
    n = len(keep)
    seg = np.array(
        [[[new_id[ref.seg_row(b, s)[code]] for s in keep] for code in range(N_OPTIONS)] for b in range(blocks)],
        dtype=np.int32,
    ).reshape(blocks, N_OPTIONS, n)
    final = np.zeros((2, n), dtype=np.uint8)
    for req, s in closing:
        if s in new_id:
            final[req, new_id[s]] = 1
    pulled = sorted(
        (req, new_id[ns], new_id[s], e, m) for s in keep for req, ns, e, m in moves.get(s, ())
    )  # grouped by (req, next state): the CSR rows the sweep pulls from
    counts = np.zeros(2 * n, dtype=np.int64)
    for req, ns, _s, _e, _m in pulled:
        counts[req * n + ns] += 1
    starts = np.concatenate(([0], np.cumsum(counts)))
    ptr = np.stack([starts[: n + 1], starts[n:]]).astype(np.int32)
    tables = CompiledTables(
        blocks=blocks,
        n_states=n,
        empty=new_id[ref.empty],
        seg=seg,
        hor_ptr=ptr,
        hor_src=np.asarray([mv[2] for mv in pulled], dtype=np.int32),
        hor_edges=np.asarray([mv[3] for mv in pulled], dtype=np.int32),
        hor_mult=np.asarray([mv[4] for mv in pulled], dtype=np.int8).reshape(-1, blocks + 1),
        final=final,
    )
    for arr in (tables.seg, tables.hor_ptr, tables.hor_src, tables.hor_edges, tables.hor_mult, tables.final):
        arr.flags.writeable = False  # shared by every caller in the process
    return tables
