"""Publishing a wave where a 3PL can read it: every file rendered from the typed plan, the outbox.

:func:`render_wave` renders every file of a wave (:mod:`engine.publish.wave`);
the DAG renders the same files chunk by chunk (:func:`cut_chunks`,
:func:`render_chunk`). Every file goes through
:func:`engine.publish.storage.write_atomic` (temp then move), to a local
folder or any fsspec URL (``file://``, ``memory://``, ``s3://``).
"""

from engine.publish.chunks import OrderPacking, PlanChunk, chunk_bounds, cut_chunks, whole_plan
from engine.publish.outbox import OutboxMessage, read_outbox, write_outbox
from engine.publish.packing_lists import PACKING_COLUMNS, packing_list
from engine.publish.picklists import BatchInfo, PickRow, format_picklists_json
from engine.publish.sheet import render_sheet, route_svg, walking_path
from engine.publish.storage import join, read_text, write_atomic
from engine.publish.wave import (
    MANIFEST,
    VOLATILE,
    manifest,
    plan_files,
    render_chunk,
    render_wave,
    rendered_names,
)

__all__ = [
    "MANIFEST",
    "PACKING_COLUMNS",
    "VOLATILE",
    "BatchInfo",
    "OrderPacking",
    "OutboxMessage",
    "PickRow",
    "PlanChunk",
    "chunk_bounds",
    "cut_chunks",
    "format_picklists_json",
    "join",
    "manifest",
    "packing_list",
    "plan_files",
    "read_outbox",
    "read_text",
    "render_chunk",
    "render_sheet",
    "render_wave",
    "rendered_names",
    "route_svg",
    "walking_path",
    "whole_plan",
    "write_atomic",
    "write_outbox",
]
