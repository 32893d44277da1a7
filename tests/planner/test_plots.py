"""Pictures: valid PNG and SVG files, drawn from the data the tests check."""

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from engine.layout import GraphLayout, Layout, RectangularLayout
from engine.planner.drawing import pick_density
from engine.planner.plots import Panel, plot_comparison, plot_density, plot_layout, plot_route

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_pictures(paths: list[Path]) -> None:
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert paths[0].read_bytes()[:8] == PNG_MAGIC
    root = ET.parse(paths[1]).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("kind", ["rect", "graph"])
def test_plot_layout_both_kinds(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    layout: Layout = request.getfixturevalue(kind)
    paths = plot_layout(layout, tmp_path / "sub" / "layout.png")
    assert paths == [tmp_path / "sub" / "layout.png", tmp_path / "sub" / "layout.svg"]
    assert_pictures(paths)


def test_svg_is_reproducible(rect: RectangularLayout, tmp_path: Path) -> None:
    a = plot_layout(rect, tmp_path / "a")[1].read_text()
    b = plot_layout(rect, tmp_path / "b")[1].read_text()
    assert a == b


def test_plot_route_returns_what_it_drew(rect: RectangularLayout, tmp_path: Path) -> None:
    stops = [rect.point("A03-B1-S002-L"), rect.point("A03-B2-S009-R"), rect.point("A01-B2-S001-L")]
    paths, line = plot_route(rect, stops, tmp_path / "route")
    assert_pictures(paths)
    np.testing.assert_array_equal(line.xy[list(line.stop_vertex)], [[p.x, p.y] for p in stops])
    assert line.length_m == pytest.approx(rect.route_length(stops))
    # the stop numbers are written into the SVG as text
    svg = paths[1].read_text()
    assert svg.count("<!-- 3 -->") >= 1 and "route: 3 stops" in svg


def test_plot_route_on_graph(graph: GraphLayout, tmp_path: Path) -> None:
    paths, line = plot_route(graph, [graph.point("L4"), graph.point("L2")], tmp_path / "g")
    assert_pictures(paths)
    assert line.length_m == pytest.approx(graph.route_length([graph.point("L4"), graph.point("L2")]))


def test_density_and_comparison(rect: RectangularLayout, graph: GraphLayout, tmp_path: Path) -> None:
    before = pick_density(rect, [("A04-B2-S010-L", 1)] * 5 + [("A01-B1-S001-R", 2)])
    after = pick_density(rect, [("A01-B1-S001-L", 1)] * 5 + [("A01-B1-S001-R", 2)])
    assert_pictures(plot_density(rect, before, tmp_path / "heat"))
    assert_pictures(plot_density(graph, pick_density(graph, [("L1", 1), ("L3", 4)]), tmp_path / "gheat"))
    paths = plot_comparison(Panel(rect, before, "before: 100 m"), Panel(rect, after, "after: 60 m"),
                            tmp_path / "cmp", title="slotting")
    assert_pictures(paths)
    svg = paths[1].read_text()
    assert "before: 100 m" in svg and "after: 60 m" in svg


def test_empty_density_still_draws(graph: GraphLayout, tmp_path: Path) -> None:
    assert_pictures(plot_density(graph, pick_density(graph, []), tmp_path / "empty"))


def test_write_plan_pictures(tmp_path: Path) -> None:
    from dataclasses import replace

    from engine.model import Method
    from engine.planner.drawing import route_polyline
    from engine.planner.plots import write_plan_pictures
    from engine.synth.generate import SynthParams, generate
    from engine.wave import WaveProblem, plan_wave

    inst = generate(SynthParams(blocks=2, aisles=6, slots_per_side=8, skus=40, orders=25, zones=2,
                                method=Method.ZONE), seed=5)
    cfg = replace(inst.config, max_iterations=20, time_limit_s=5.0)
    plan = plan_wave(WaveProblem.build(inst.layout, {s.sku: s for s in inst.skus}, inst.stock, inst.boxes,
                                       inst.orders, (), cfg))
    paths = write_plan_pictures(plan, inst.layout, tmp_path / "pics")
    names = [p.name for p in paths]
    assert names[:2] == ["layout.png", "layout.svg"] and names[-2:] == ["pick_density.png", "pick_density.svg"]
    routes = [p for p in paths if p.name.startswith("route_")]
    assert len(routes) == (4 if len(plan.batches) > 1 else 2)
    for png, svg in zip(paths[::2], paths[1::2], strict=True):
        assert_pictures([png, svg])
    # each drawn route passes through its batch's stops, from its zone's depot
    for b in plan.batches:
        stops = [inst.layout.point(loc) for loc in b.stops]
        line = route_polyline(inst.layout, stops, b.zone or None)
        np.testing.assert_array_equal(line.xy[list(line.stop_vertex)], [[p.x, p.y] for p in stops])
        assert line.length_m == pytest.approx(b.distance_m)
