import doctest
import importlib
import itertools
import json
import uuid

import pytest

from engine.layout.graph import GraphLayout
from engine.layout.rectangular import RectangularLayout
from engine.publish import (
    BatchInfo,
    OutboxMessage,
    PickRow,
    format_picklists_json,
    read_outbox,
    storage,
    walking_path,
    write_atomic,
    write_outbox,
)

ROWS = (
    PickRow("W1", "B1", "Z1", 1, "A01-B1-S002-L", "S1", 2, "O1", "1"),
    PickRow("W1", "B1", "Z1", 1, "A01-B1-S002-L", "S1", 1, "O2", "2"),
    PickRow("W1", "B1", "Z1", 2, "A02-B1-S005-R", "S<2>", 1, "O2", "2"),
    PickRow("W1", "B2", "Z1", 1, "A01-B1-S001-L", "S3", 4, "O3", "1"),
)


@pytest.mark.parametrize("name", [
    "engine.publish.storage", "engine.publish.picklists", "engine.publish.outbox", "engine.publish.chunks",
    "engine.publish.sheet",
])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0


def test_json_groups_batches_and_stops() -> None:
    doc = json.loads(format_picklists_json("W1", ROWS, [BatchInfo("B1", "Z1", 12.5)]))
    b1, b2 = doc["batches"]
    assert (b1["batch_id"], b1["distance_m"], b2["distance_m"]) == ("B1", 12.5, None)
    assert [s["stop"] for s in b1["stops"]] == [1, 2]
    assert [p["order_id"] for p in b1["stops"][0]["picks"]] == ["O1", "O2"]
    units = sum(p["qty"] for b in doc["batches"] for s in b["stops"] for p in s["picks"])
    assert units == sum(r.qty for r in ROWS)


def test_walking_path_follows_aisles() -> None:
    lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10)
    locs = ["A01-B1-S002-L", "A02-B1-S005-R"]
    path = walking_path(lay, locs)
    assert path[0] == path[-1] == (0.0, 0.0)
    # every segment is axis-parallel (no walking through racks)
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(path))
    length = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in itertools.pairwise(path))
    pts = [lay.point(x) for x in locs]
    assert length == pytest.approx(lay.route_length(pts))


def test_walking_path_on_graph_layout() -> None:
    lay = GraphLayout.build("m", nodes={"dock": (0, 0), "n1": (5, 0), "n2": (5, 8)},
                            edges=[("dock", "n1", None), ("n1", "n2", 9.5)],
                            locations={"M-01": "n1", "M-02": "n2"}, depot="dock")
    assert walking_path(lay, ["M-02"]) == [(0.0, 0.0), (5.0, 0.0), (5.0, 8.0), (5.0, 0.0), (0.0, 0.0)]


def test_atomic_write_memory_and_file_url(tmp_path) -> None:
    for base in ("memory://pub-test", tmp_path.as_uri()):
        url = storage.join(base, "W1", "picklists.csv")
        write_atomic(url, "a\n")
        write_atomic(url, "b\n")  # replace
        assert storage.read_text(url) == "b\n"
        assert list(storage.walk_files(storage.join(base, "W1"))) == ["picklists.csv"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch) -> None:
    url = str(tmp_path / "x.csv")
    write_atomic(url, "old\n")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(storage.os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(url, "new\n")
    assert (tmp_path / "x.csv").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_reader_never_sees_partial_file(tmp_path, monkeypatch) -> None:
    # While the payload is being written, the target still holds the old content.
    url = str(tmp_path / "x.csv")
    write_atomic(url, "old\n")
    seen = []
    real_replace = storage.os.replace

    def spy(src: str, dst: str) -> None:
        seen.append((tmp_path / "x.csv").read_text())
        real_replace(src, dst)

    monkeypatch.setattr(storage.os, "replace", spy)
    write_atomic(url, "new\n" * 1000)
    assert seen == ["old\n"]
    assert (tmp_path / "x.csv").read_text() == "new\n" * 1000


def test_outbox_writes_each_message_once() -> None:
    url = f"memory://outbox-{uuid.uuid4().hex}"
    msgs = [OutboxMessage("shipped-O1", "shipped", "O1", {"tracking_number": "1Z"}),
            OutboxMessage("shipped-O/2", "shipped", "O/2", {})]
    assert write_outbox(url, msgs) == 2
    assert write_outbox(url, msgs) == 0
    got = read_outbox(url, "shipped")
    assert [m.order_id for m in got] == ["O1", "O/2"]
    assert got[0].fields == {"tracking_number": "1Z"}
