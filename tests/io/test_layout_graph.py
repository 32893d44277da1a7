"""Graph layouts from ``layout.yaml``: any real coordinates, duplicate ids refused by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.io.layout import parse_layout
from engine.layout import GraphLayout

NEGATIVE = (
    "name: site\nkind: graph\n"
    "nodes: [{id: dock, x_m: -12.5, y_m: -3}, {id: n1, x_m: -7.5, y_m: -3}, {id: n2, x_m: -7.5, y_m: 5}]\n"
    "edges: [[dock, n1], [n1, n2]]\n"
    "locations: [{id: M-01, node: n1}, {id: M-02, node: n2}]\ndepot: dock\n"
)


def test_negative_coordinates_are_accepted_and_give_euclidean_lengths() -> None:
    lay = parse_layout(NEGATIVE)
    assert isinstance(lay, GraphLayout)
    assert lay.nodes["dock"] == (-12.5, -3.0)
    assert lay.route_length([lay.point("M-02")]) == pytest.approx(2 * (5.0 + 8.0))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (NEGATIVE.replace("{id: M-02, node: n2}", "{id: M-01, node: n2}"),
         "layout.yaml, column 'locations[1].id': duplicate location id 'M-01'"),
        (NEGATIVE.replace("{id: n2, x_m: -7.5", "{id: n1, x_m: -7.5"), "column 'nodes[2].id': duplicate node id 'n1'"),
        (NEGATIVE.replace("y_m: 5}", "y_m: .nan}"), "column 'nodes[2].y_m': must be a finite number"),
        (NEGATIVE.replace("x_m: -7.5, y_m: -3}", "x_m: west, y_m: -3}"), "column 'nodes[1].x_m': must be a number"),
        (NEGATIVE.replace("[n1, n2]", "{from: n1, to: n2, length_m: -1}"),
         "column 'edges[1].length_m': must be at least 0"),
    ],
)
def test_bad_graph_layouts_name_the_entry_and_field(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_layout(text, "layout.yaml")
    assert any(fragment in str(p) for p in err.value.problems), err.value.problems


def test_route_command_exits_2_on_a_duplicate_location(tmp_path: Path) -> None:
    layout = tmp_path / "layout.yaml"
    layout.write_text(NEGATIVE.replace("{id: M-02, node: n2}", "{id: M-01, node: n2}"))
    picks = tmp_path / "picks.csv"
    picks.write_text("list_id,location_id\nL1,M-01\n")
    run = subprocess.run([sys.executable, "-m", "engine.cli", "route", "--layout", str(layout), "--picks",
                          str(picks), "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 2
    assert "duplicate location id 'M-01'" in run.stderr and "Traceback" not in run.stderr
