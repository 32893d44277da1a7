"""Cartonization: choose boxes for each order and place every unit in 3D.

Entry points: :func:`solve` (one order), :func:`pack_orders` (many, optionally
in a process pool), :func:`verify_pack` (scans at the pack station against the
plan), :func:`packing_instructions`, and the writers of :mod:`engine.packing.io`.
:mod:`engine.packing.verify` re-checks any carton independently of the packer.
"""

from engine.packing.instructions import packing_instructions
from engine.packing.io import cartons_rows, write_cartons_csv, write_held_csv
from engine.packing.params import PackingParams, packing_params
from engine.packing.result import Carton, PackResult, Placement
from engine.packing.solver import no_fit_holds, order_signature, pack_orders, solve
from engine.packing.verify import PackCheck, carton_violations, result_violations, verify_pack

__all__ = [
    "Carton",
    "PackCheck",
    "PackResult",
    "PackingParams",
    "Placement",
    "carton_violations",
    "cartons_rows",
    "no_fit_holds",
    "order_signature",
    "pack_orders",
    "packing_instructions",
    "packing_params",
    "result_violations",
    "solve",
    "verify_pack",
    "write_cartons_csv",
    "write_held_csv",
]
