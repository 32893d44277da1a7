"""Pick sheets a picker can hold: racks and aisle numbers, stops that never overlap, bulk quantities in batch."""

from __future__ import annotations

import itertools
import re

import pytest

from engine.layout.graph import GraphLayout
from engine.layout.rectangular import RectangularLayout
from engine.publish.sheet import render_sheet, stop_labels
from engine.wave.plan import Batch, Pick

LAYOUT = RectangularLayout("t", blocks=2, aisles=4, slots_per_side=10)
STOPS = ("A01-B1-S002-L", "A01-B1-S002-R", "A02-B1-S005-R", "A04-B2-S001-L")


def _batch(picks: list[Pick], stops: tuple[str, ...] = STOPS) -> Batch:
    length = LAYOUT.route_length([LAYOUT.point(s) for s in stops])
    orders = tuple(dict.fromkeys(p.order_id for p in picks))
    return Batch("B1", "", orders, stops, tuple(picks), length, True, 1.0, 1.0)


PICKS = [
    Pick(1, STOPS[0], "S1", 1, "O1", "1"), Pick(1, STOPS[0], "S1", 3, "O2", "2"),
    Pick(1, STOPS[0], "S1", 1, "O3", "3"), Pick(1, STOPS[0], "S1", 1, "O4", "4"),
    Pick(2, STOPS[1], "S<2>", 2, "O2", "2"),
    Pick(3, STOPS[2], "S3", 1, "O1", "1"),
    Pick(4, STOPS[3], "S4", 5, "O4", "4"),
]


def test_batch_sheet_gives_the_bulk_quantity_and_its_split_over_sort_slots() -> None:
    page = render_sheet("W1", _batch(PICKS), LAYOUT, "batch")
    # one row for S1 at stop 1: take 6 (1+3+1+1), then the split by sort slot
    row = next(r for r in page.split("<tr") if ">S1<" in r)
    assert '<td class="n q">6</td>' in row and "1: 1, 2: 3, 3: 1, 4: 1" in row
    assert page.count(">S1<") == 1
    assert "Sort slot" in page and ">Tote<" not in page
    assert "S&lt;2&gt;" in page and "S<2>" not in page  # escaped


def test_cluster_sheet_names_the_tote_of_each_order() -> None:
    page = render_sheet("W1", _batch(PICKS), LAYOUT, "cluster")
    assert "<th class=\"n\">Tote</th>" in page and "Sort slot" not in page
    picks_table = page[:page.index("<h2>")]
    assert picks_table.count("<td>O2</td>") == 2  # one row per order and SKU, with its tote


def test_map_shows_racks_and_aisle_numbers_and_stops_in_walking_order() -> None:
    page = render_sheet("W1", _batch(PICKS), LAYOUT, "batch")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count('class="rack') == 2 * LAYOUT.aisles * LAYOUT.blocks
    aisles = re.findall(r'class="aisle"[^>]*>(\d+)<', svg)
    assert sorted(set(aisles), key=int) == ["1", "2", "3", "4"]
    assert "<polyline" in svg and "@page" in page
    labels = re.findall(r'class="num"[^>]*>([^<]+)<', svg)
    assert labels == ["1-2", "3", "4"]  # stops 1 and 2 face each other on one aisle: one label


def test_sheet_refuses_a_walk_other_than_the_plan() -> None:
    wrong = _batch(PICKS)
    with pytest.raises(ValueError, match="route of the stops"):
        render_sheet("W1", Batch(**{**{f: getattr(wrong, f) for f in wrong.__slots__}, "distance_m": 1.0}),
                     LAYOUT, "batch")


def _boxes(labels: list[tuple[str, tuple[float, float]]]) -> list[tuple[float, float, float, float]]:
    from engine.publish.sheet import _CHAR_W, _R

    return [(x - max(2 * _R, len(t) * _CHAR_W + 6) / 2, y - _R, x + max(2 * _R, len(t) * _CHAR_W + 6) / 2, y + _R)
            for t, (x, y) in labels]


@pytest.mark.parametrize("seed", range(20))
def test_stop_labels_never_overlap(seed: int) -> None:
    import random

    rng = random.Random(seed)
    stops = [(n, (rng.uniform(0, 120), rng.uniform(0, 60))) for n in range(1, rng.randint(2, 40))]
    labels = stop_labels(stops)
    numbers = [int(x) for t, _ in labels for part in t.split(",") for x in _expand(part)]
    assert sorted(numbers) == [n for n, _ in stops]  # every stop once
    for a, b in itertools.combinations(_boxes(labels), 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def _expand(part: str) -> list[str]:
    lo, _, hi = part.partition("-")
    return [str(n) for n in range(int(lo), int(hi or lo) + 1)]


def test_graph_layout_sheet_has_a_map_without_racks() -> None:
    lay = GraphLayout.build("m", nodes={"dock": (0, 0), "n1": (5, 0), "n2": (5, 8)},
                            edges=[("dock", "n1", None), ("n1", "n2", 9.5)],
                            locations={"M-01": "n1", "M-02": "n2"}, depot="dock")
    b = Batch("B1", "", ("O1",), ("M-02",), (Pick(1, "M-02", "S1", 1, "O1", "1"),),
              lay.route_length([lay.point("M-02")]), True, 1.0, 1.0)
    page = render_sheet("W1", b, lay, "single")
    assert "<svg" in page and 'class="rack"' not in page


@pytest.mark.parametrize("seed", range(5))
def test_the_walk_drawn_is_as_long_as_the_route(seed: int) -> None:
    """The closed-form walk on rectangular layouts: axis-parallel legs whose length is the route's."""
    import random

    from engine.publish.sheet import walking_path

    rng = random.Random(seed)
    lay = RectangularLayout("t", blocks=3, aisles=6, slots_per_side=8, depot_x_m=6.0)
    locs = [f"A{rng.randint(1, 6):02d}-B{rng.randint(1, 3)}-S{rng.randint(1, 8):03d}-{rng.choice('LR')}"
            for _ in range(rng.randint(1, 12))]
    path = walking_path(lay, locs)
    assert path[0] == path[-1] == (6.0, 0.0)
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(path))
    walked = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for a, b in itertools.pairwise(path))
    assert walked == pytest.approx(lay.route_length([lay.point(x) for x in locs]))
