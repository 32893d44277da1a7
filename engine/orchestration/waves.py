"""Task functions of the ``wave_planning`` DAG: adapters over the wave service, nothing more.

Each function takes JSON-able arguments and returns a JSON-able summary, so a
DAG task is one call. Between tasks only typed, frozen objects travel (pickled
in the run's private staging folder ``<out>/_staging/<wave_id>/_wave/``):

1. :func:`prepare_task` claims the releasable orders and prepares the wave
   (:func:`engine.wave.prepare_wave`: release, packing, the split into
   groups), stages the :class:`engine.wave.WavePrep`, then rolls back (it
   releases nothing and holds no lock afterwards); :func:`plan_group_task`,
   one per group (mapped), batches and routes its group; :func:`assemble_task`
   builds the :class:`engine.wave.Plan` and cuts it into at most
   :func:`engine.orchestration.settings.map_chunks` chunks of batches
   (:func:`engine.publish.cut_chunks`). :func:`plan_task` is the three in one call.
2. :func:`render_chunk_task`, one per chunk (mapped): the pick sheets and
   packing lists of the chunk's batches (:func:`engine.publish.render_chunk`).
3. :func:`publish_task` claims again and, inside one store transaction, writes
   the plan's files (:func:`engine.publish.plan_files`) and the rendered
   chunks to ``<out>/<wave_id>/`` (each atomically) and commits the wave from
   the typed plan (:meth:`engine.store.WaveRelease.from_plan`). The store
   refuses a plan that no longer fits the claim, and nothing is released.
   ``manifest.json`` is written last, after COMMIT: a 3PL takes a wave folder
   with a manifest as complete.
4. :func:`relay_outbox_task` copies unsent store outbox rows to the file outbox.

``pickwave wave run`` publishes the same files through the same functions
(:func:`engine.publish.render_wave`), so both roads give the same bytes.
Without a ``wave_id`` param the wave is named by :func:`engine.wave.ids.wave_id`
(the config, the claimed orders, their stock), the same id ``wave run`` gives it:
a rerun finds its orders released and plans nothing twice.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from engine.io.config import config_from_mapping
from engine.io.ids import id_problem
from engine.publish.outbox import OutboxMessage, write_outbox
from engine.publish.storage import exists, join, publish_staged, read_bytes, write_atomic

if TYPE_CHECKING:
    from engine.wave import WavePrep

log = logging.getLogger(__name__)
T = TypeVar("T")

ACTOR = "airflow"
#: Where the wave's published files are gathered, under its staging folder, before COMMIT: the render tasks
#: write there, :func:`publish_task` adds the plan's files and the manifest, then moves the folder in.
PUBLISH_DIR = "_publish"


def _checked(wave_id: str) -> str:
    """``wave_id`` when it can name a folder (:func:`engine.io.ids.check_id`), else ValueError."""
    why = id_problem(wave_id, "wave_id", file_name=True)
    if why is not None:
        raise ValueError(f"wave id {why}")
    return wave_id


def staging_url(out_url: str, wave_id: str) -> str:
    return join(out_url, "_staging", _checked(wave_id))


def wave_url(out_url: str, wave_id: str) -> str:
    return join(out_url, _checked(wave_id))


def publish_url(stage: str) -> str:
    """The folder of the wave's files as they will be published (moved to :func:`wave_url` after COMMIT)."""
    return join(stage, PUBLISH_DIR)


def _staged(stage: str, name: str) -> str:
    """A typed object of this run, staged by one task for the next (private: never published)."""
    return join(stage, "_wave", name)


def prep_url(stage: str) -> str:
    """The staged :class:`engine.wave.WavePrep`."""
    return _staged(stage, "prep.pickle")


def group_url(stage: str, index: int) -> str:
    """The staged :class:`engine.wave.GroupPlan` of group ``index``."""
    return _staged(stage, f"group-{index:04d}.pickle")


def plan_url(stage: str) -> str:
    """The staged :class:`engine.wave.Plan`."""
    return _staged(stage, "plan.pickle")


def chunk_url(stage: str, chunk: int) -> str:
    """The staged :class:`engine.publish.PlanChunk` ``chunk`` and the layout its sheets are drawn on."""
    return _staged(stage, f"chunk-{chunk:04d}.pickle")


def _stage(url: str, obj: object) -> None:
    write_atomic(url, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _load(url: str, kind: type[T]) -> T:
    obj = pickle.loads(read_bytes(url))  # staged by an earlier task of this wave only
    if not isinstance(obj, kind):
        raise TypeError(f"{url} holds a {type(obj).__name__}, not a {kind.__name__}")
    return obj


# --- 1. plan: prepare, plan each group (mapped), assemble -------------------------------
def prepare_task(store_url: str, out_url: str, config: Mapping[str, object],
                 wave_id: str | None = None) -> dict[str, object]:
    """Claim, release and split one wave; returns ``{wave_id, published, empty, groups}``.

    Stages the :class:`engine.wave.WavePrep` (:func:`prep_url`); ``groups``
    lists the group indices the mapped :func:`plan_group_task` expands over; a
    time-limited wave shares its search time for
    :func:`engine.orchestration.settings.group_workers` of them at once.
    ``published`` is true (and nothing is planned) when the wave is already in
    the store; ``empty`` is true (and nothing is staged) when no order is
    releasable. The claim is rolled back. Without ``wave_id`` the wave is named
    by :func:`engine.wave.ids.wave_id` of the claim (``wave_id`` in the result).
    """
    from engine.orchestration.settings import group_workers
    from engine.orchestration.store_ops import store_for
    from engine.wave import WaveProblem, prepare_wave

    cfg = config_from_mapping(dict(config), "dag params")
    sharing = group_workers()
    finish_unpublished(store_url)
    with store_for(store_url).claim_releasable(cfg, wave_id, by=ACTOR) as c:
        wave_id = c.wave_id
        if c.already_committed:
            return {"wave_id": wave_id, "published": True, "empty": False, "groups": []}
        if not c.orders:
            log.info("wave %s: no releasable order; nothing planned", wave_id)
            return {"wave_id": wave_id, "published": False, "empty": True, "groups": []}
        cat = c.catalog
        problem = WaveProblem.build(cat.layout, cat.skus, cat.stock, cat.boxes, c.orders, c.held, cfg, wave_id)
        prep = prepare_wave(problem, group_workers=sharing)
        # leaving the block rolls the claim back: publish claims again and the store checks the plan
    _stage(prep_url(staging_url(out_url, wave_id)), prep)
    log.info("wave %s prepared: %d parts in %d groups", wave_id, len(prep.parts), len(prep.groups))
    return {"wave_id": wave_id, "published": False, "empty": False, "groups": list(range(len(prep.groups)))}


def _read_prep(stage: str) -> WavePrep:
    from engine.wave import WavePrep

    return _load(prep_url(stage), WavePrep)


def plan_group_task(out_url: str, wave_id: str, index: int) -> dict[str, object]:
    """Batch, re-choose faces and route group ``index`` of the staged wave (one mapped instance).

    Reads the staged prep, stages :func:`group_url`; a retry stages the same
    plan again (with ``max_iterations`` set, the same bytes' worth of plan).
    """
    from engine.wave import plan_group

    stage = staging_url(out_url, wave_id)
    group = plan_group(_read_prep(stage), index)
    _stage(group_url(stage, index), group)
    return {"wave_id": wave_id, "group": index, "batches": len(group.batches), "runtime_s": round(group.runtime_s, 3)}


def assemble_task(out_url: str, prepared: Mapping[str, object]) -> dict[str, object]:
    """The plan from the staged prep and group plans, staged, and cut into chunks of batches.

    Returns ``{wave_id, published, empty, batches, chunks}``: the batch ids in
    plan order and the chunk indices the mapped :func:`render_chunk_task`
    expands over (at most :func:`engine.orchestration.settings.map_chunks`,
    read now: at run time). A wave already published or empty passes
    through, staging nothing.
    """
    from engine.orchestration.settings import map_chunks
    from engine.publish import cut_chunks
    from engine.wave import GroupPlan, assemble_plan

    wave_id = str(prepared["wave_id"])
    if prepared["published"] or prepared["empty"]:
        return {"wave_id": wave_id, "published": prepared["published"], "empty": prepared["empty"], "batches": [],
                "chunks": []}
    cap = map_chunks()  # before the heavy work, so a bad setting fails fast
    stage = staging_url(out_url, wave_id)
    prep = _read_prep(stage)
    plan = assemble_plan(prep, [_load(group_url(stage, k), GroupPlan) for k in range(len(prep.groups))])
    _stage(plan_url(stage), plan)
    chunks = cut_chunks(plan, cap)
    for k, chunk in enumerate(chunks):
        _stage(chunk_url(stage, k), (chunk, prep.problem.layout))
    log.info("wave %s planned: %d batches in %d chunks staged at %s", wave_id, len(plan.batches), len(chunks), stage)
    return {"wave_id": wave_id, "published": False, "empty": False, "batches": [b.batch_id for b in plan.batches],
            "chunks": list(range(len(chunks)))}


def plan_task(store_url: str, out_url: str, config: Mapping[str, object],
              wave_id: str | None = None) -> dict[str, object]:
    """Claim, plan and stage one wave in one call; returns ``{wave_id, published, empty, batches, chunks}``.

    :func:`prepare_task`, :func:`plan_group_task` for each group, then
    :func:`assemble_task`: what the DAG's ``plan``, mapped ``plan_group`` and
    ``assemble`` tasks do, in this process.
    """
    prepared = prepare_task(store_url, out_url, config, wave_id)
    for k in prepared["groups"]:  # type: ignore[attr-defined]
        plan_group_task(out_url, str(prepared["wave_id"]), int(k))
    return assemble_task(out_url, prepared)


# --- 2. per chunk of batches (mapped) ---------------------------------------------------
def render_chunk_task(out_url: str, wave_id: str, chunk: int) -> dict[str, object]:
    """Render the pick sheets and packing lists of one chunk's batches into the wave's :func:`publish_url`.

    Reads only the staged chunk. A batch whose stops walk another length than
    planned, or an order whose cartons differ from its picks, fails the task
    before anything is published. Returns ``{chunk, batches, files}``.
    """
    from engine.publish import PlanChunk, render_chunk

    stage = staging_url(out_url, wave_id)
    url = chunk_url(stage, chunk)
    if not exists(url):
        raise KeyError(f"chunk {chunk} is not in the staged plan {stage}")
    staged = _load(url, tuple)
    own, layout = staged
    if not isinstance(own, PlanChunk):
        raise TypeError(f"{url} holds no PlanChunk")
    files = render_chunk(own, layout)
    for name, text in files.items():
        write_atomic(join(publish_url(stage), name), text)
    return {"chunk": chunk, "batches": len(own.batches), "files": len(files)}


# --- 3. publish ------------------------------------------------------------------------
def publish_task(store_url: str, out_url: str, config: Mapping[str, object], wave_id: str) -> dict[str, object]:
    """Publish the staged wave and release its orders, all or nothing.

    Returns ``{wave_id, out, released, already_published, empty}``. Every file
    the wave publishes is gathered under :func:`publish_url` first (the render
    tasks' sheets and packing lists, then the plan's files and
    ``manifest.json``); the store commits the wave from the typed plan with
    that location, then the files move to ``<out>/<wave_id>/`` (the manifest
    last) and the wave is marked published. A task killed after COMMIT is
    finished by its retry, or by the next run of any wave
    (:func:`finish_unpublished`). A wave already published is left alone: no
    file is written again and no order moves. With no releasable order nothing
    is committed or written (``empty``): an empty wave is skipped, not published.
    """
    from engine.orchestration.store_ops import store_for
    from engine.publish import MANIFEST, manifest, plan_files, rendered_names
    from engine.store import WaveRelease
    from engine.wave import Plan

    cfg = config_from_mapping(dict(config), "dag params")
    stage, final = staging_url(out_url, wave_id), wave_url(out_url, wave_id)
    pub = publish_url(stage)
    store = store_for(store_url)
    finish_unpublished(store_url)
    with store.claim_releasable(cfg, wave_id, by=ACTOR) as c:
        if c.already_committed:
            return {"wave_id": wave_id, "out": final, "released": 0, "already_published": True, "empty": False}
        if not c.orders:
            return {"wave_id": wave_id, "out": final, "released": 0, "already_published": False, "empty": True}
        plan = _load(plan_url(stage), Plan)
        files = plan_files(plan)
        rendered = rendered_names(plan)
        missing = [n for n in rendered if not exists(join(pub, n))]
        if missing:
            raise FileNotFoundError(f"wave {wave_id}: {len(missing)} rendered files are not staged, e.g. {missing[0]}")
        for name, text in files.items():
            write_atomic(join(pub, name), text)
        write_atomic(join(pub, MANIFEST), manifest(plan, [*files, *rendered]))
        report = c.commit(WaveRelease.from_plan(plan), out=final, staged=pub)
    if not report.already_committed:
        publish_staged(pub, final)
        store.mark_published(wave_id)
    log.info("wave %s published to %s: %d orders released", wave_id, final, len(report.released))
    return {"wave_id": wave_id, "out": final, "released": len(report.released),
            "already_published": report.already_committed, "empty": False}


def finish_unpublished(store_url: str) -> list[str]:
    """Publish the files of every wave committed but not published (a task or run killed after COMMIT).

    Any run calls this first (:func:`prepare_task`, :func:`publish_task`, and
    ``pickwave wave run``), so a stranded wave is finished by whatever runs
    next, and says so in the log. Returns the ids of the waves finished.
    """
    from engine.orchestration.store_ops import store_for

    done = []
    for wave, ok in store_for(store_url).finish_publishing(lambda w: publish_staged(w.staged, w.out)):
        if ok:
            log.warning("wave %s: committed by an earlier run that stopped before publishing; its files "
                        "(%d orders released) are now in %s", wave.wave_id, len(wave.released), wave.out)
            done.append(wave.wave_id)
        else:
            log.error("wave %s is committed (%d orders released) but its staged files at %s are not reachable; "
                      "its files are not in %s yet", wave.wave_id, len(wave.released), wave.staged, wave.out)
    return done


# --- 4. notify --------------------------------------------------------------------------
def relay_outbox_task(store_url: str, outbox_url: str) -> dict[str, object]:
    """Copy unsent store outbox rows to the file outbox and mark them sent.

    A file per message (``<topic>/<key>.json``, write-once), so a crash between
    writing and marking only means the next run finds the file and skips it.
    """
    from engine.orchestration.store_ops import store_for

    store = store_for(store_url)
    rows = store.outbox(unsent=True)
    written = 0
    for _id, topic, key, payload_json in rows:
        payload = {k: str(v) for k, v in json.loads(payload_json).items()}
        msg = OutboxMessage(f"{topic}-{key}", topic, payload.pop("order_id", ""), payload)
        written += write_outbox(outbox_url, [msg])
    store.mark_sent([r[0] for r in rows])
    return {"relayed": len(rows), "written": written}


def is_published(out_url: str, wave_id: str) -> bool:
    """True once the wave's ``manifest.json`` exists (the 3PL's signal to take the wave)."""
    return exists(join(wave_url(out_url, wave_id), "manifest.json"))
