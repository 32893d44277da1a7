"""Every published file of a wave, rendered from its typed :class:`engine.wave.Plan`: the one road out.

``pickwave wave run`` and the ``wave_planning`` DAG both publish through this
module, so a 3PL gets the same folder, byte for byte, whichever road ran:

- the SPEC section 5 files (:func:`engine.wave.render_plan`) and ``picklists.json``;
- ``sheets/<batch>.html``, the printable pick sheet with its route map, and
  ``packing/<batch>.csv``, the pack-station list (:func:`render_chunk`, per
  chunk of batches, so the DAG can render chunks side by side);
- ``manifest.json`` (:func:`manifest`): the wave, its released orders, every
  file, the config. Written last: a folder with a manifest is complete.

Nothing here reads a file another stage wrote: the plan is the contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from engine.layout import Layout
from engine.publish.chunks import PlanChunk, whole_plan
from engine.publish.outbox import safe_name
from engine.publish.packing_lists import packing_list
from engine.publish.picklists import BatchInfo, PickRow, format_picklists_json
from engine.publish.sheet import render_sheet
from engine.wave.output import render_plan
from engine.wave.plan import Plan

MANIFEST = "manifest.json"
#: What differs between two publications of the same wave, the one list: file -> top-level JSON keys.
#: Everything else a wave publishes is the same bytes on both roads (tested).
VOLATILE: Mapping[str, tuple[str, ...]] = {"summary.json": ("runtime_s",)}


def sheet_name(batch_id: str) -> str:
    return f"sheets/{safe_name(batch_id)}.html"


def packing_name(batch_id: str) -> str:
    return f"packing/{safe_name(batch_id)}.csv"


def plan_files(plan: Plan) -> dict[str, str]:
    """The SPEC section 5 files and ``picklists.json``: name -> text (pure)."""
    files = render_plan(plan)
    rows = [PickRow(plan.wave_id, b.batch_id, b.zone, p.stop, p.location_id, p.sku, p.qty, p.order_id, p.tote)
            for b in plan.batches for p in b.picks]
    infos = [BatchInfo(b.batch_id, b.zone, b.distance_m) for b in plan.batches]
    files["picklists.json"] = format_picklists_json(plan.wave_id, rows, infos)
    return files


def render_chunk(chunk: PlanChunk, layout: Layout) -> dict[str, str]:
    """The sheet and the packing list of every batch of ``chunk``: name -> text.

    Raises :class:`ValueError` when a batch's stops do not walk its planned
    distance or an order's cartons do not hold what it picks (nothing is
    published then). About 0.5 ms per batch plus 0.04 ms per pick.
    """
    out: dict[str, str] = {}
    for b in chunk.batches:
        out[sheet_name(b.batch_id)] = render_sheet(chunk.wave_id, b, layout, chunk.method)
        out[packing_name(b.batch_id)] = packing_list(chunk, b)
    return out


def rendered_names(plan: Plan) -> list[str]:
    """The files :func:`render_chunk` renders for the whole plan (sheets, packing lists), in plan order."""
    return [name for b in plan.batches for name in (sheet_name(b.batch_id), packing_name(b.batch_id))]


def manifest(plan: Plan, names: Iterable[str]) -> str:
    """``manifest.json``: wave id, the released orders (sorted), every other file (``names``, sorted), the config."""
    released = sorted({p.order_id for b in plan.batches for p in b.picks})
    doc = {"wave_id": plan.wave_id, "released": released, "files": sorted(n for n in names if n != MANIFEST),
           "config": dict(plan.summary.config)}
    return json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n"


def render_wave(plan: Plan, layout: Layout) -> dict[str, str]:
    """Every file of the wave, manifest included, in one process: name -> text."""
    files = plan_files(plan)
    files.update(render_chunk(whole_plan(plan), layout))
    files[MANIFEST] = manifest(plan, files)
    return files


def without_volatile(name: str, text: str) -> str:
    """``text`` less the :data:`VOLATILE` keys of ``name`` (for comparing two publications)."""
    keys = VOLATILE.get(name)
    if not keys:
        return text
    doc = json.loads(text)
    for k in keys:
        doc.pop(k, None)
    return json.dumps(doc, indent=1, sort_keys=True)
