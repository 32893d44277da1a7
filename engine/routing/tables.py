"""The aisle programme's state space, compiled once per block count into integer arrays.

:mod:`engine.routing.aisle_dp` defines the programme (states, vertical options,
horizontal moves) and explores it lazily with Python dictionaries. This module
closes that state space under every move and stores it as flat numpy arrays, so
that the per-route work (:mod:`engine.routing.kernel`) is a min-plus sweep over
integers with no Python in the loop.

Sizes (states; horizontal moves without / with the depot on the column): one
block 6 (13 / 10), two 24 (76 / 63), three 112 (525 / 449), four 568 (3,954 /
3,429), five 3,032 (31,338 / ...). Compiling takes milliseconds up to four
blocks and about 2 s for five; beyond five the reference programme is used.
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
    """The complete transition structure of the programme for ``blocks`` blocks.

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
        ``hor_ptr[req, s] .. hor_ptr[req, s + 1]``: the horizontal moves out of
        state ``s`` (CSR rows into ``hor_dst``/``hor_edges``/``hor_mult``);
        ``req = 1`` on a column whose front junction is the depot (it must be
        visited). Shape ``(2, n_states + 1)``, int32.
    hor_dst
        Next state of each horizontal move, int32.
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
    hor_dst: np.ndarray
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
    (6, (1, 6, 6), 13)
    """
    if not 1 <= blocks <= MAX_BLOCKS:
        raise ValueError(f"compiled tables cover 1..{MAX_BLOCKS} blocks, got {blocks}")
    ref = aisle_dp._tables(blocks)
    ref.dense()  # closes the state space under every move
    n = len(ref.states)
    seg = np.array(
        [[[ref.seg_row(b, s)[code] for s in range(n)] for code in range(N_OPTIONS)] for b in range(blocks)],
        dtype=np.int32,
    ).reshape(blocks, N_OPTIONS, n)
    ptr = np.zeros((2, n + 1), dtype=np.int32)
    dst: list[int] = []
    edges: list[int] = []
    mult: list[tuple[int, ...]] = []
    final = np.zeros((2, n), dtype=np.uint8)
    for req in (0, 1):
        for s in range(n):
            ptr[req, s] = len(dst)
            for e, ns, m in ref.hor_row(req, s):
                if ns == aisle_dp.FINAL:
                    final[req, s] = 1
                else:
                    dst.append(ns)
                    edges.append(e)
                    mult.append(m)
        ptr[req, n] = len(dst)
    if len(ref.states) != n:  # pragma: no cover - dense() closed the space
        raise RuntimeError("state space grew while compiling")
    return CompiledTables(
        blocks=blocks,
        n_states=n,
        empty=ref.empty,
        seg=seg,
        hor_ptr=ptr,
        hor_dst=np.asarray(dst, dtype=np.int32),
        hor_edges=np.asarray(edges, dtype=np.int32),
        hor_mult=np.asarray(mult, dtype=np.int8).reshape(-1, blocks + 1),
        final=final,
    )
