"""wave.yaml and layout.yaml: defaults, validation, YAML that does not parse."""

import pytest

from engine.errors import InputError
from engine.io.config import config_to_mapping, parse_wave_config
from engine.io.layout import parse_layout
from engine.layout import GraphLayout, RectangularLayout
from engine.model import Method, RoutingMethod, WaveConfig


def test_defaults_and_full_config() -> None:
    assert parse_wave_config("") == WaveConfig()
    cfg = parse_wave_config(
        "method: cluster\nrelease_payment_statuses: [captured, authorized]\nmax_orders: 50\n"
        "cutoff: 2026-11-26T16:00:00Z\ncart: {totes: 6, max_weight_kg: 80}\nrouting: s-shape\n"
        "time_limit_s: 5\nfragile_padding_cm: 1.5\nseed: 3\nmax_iterations: 100\n"
    )
    assert cfg.method is Method.CLUSTER and cfg.routing is RoutingMethod.S_SHAPE
    assert cfg.cart.totes == 6 and cfg.cart.max_volume_l == 600.0
    assert config_to_mapping(cfg)["cutoff"] == "2026-11-26T16:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("method: wave\n", "column 'method'"),
        ("metod: batch\n", "column 'metod': unknown key"),
        ("cart: {totes: 0}\n", "totes must be at least 1"),
        ("time_limit_s: soon\n", "column 'time_limit_s': must be a number"),
        ("release_payment_statuses: [paid]\n", "unknown status"),
        ("cutoff: tomorrow\n", "column 'cutoff'"),
        ("method: [batch\n", "YAML does not parse"),
        ("- a\n- b\n", "expected a mapping"),
    ],
)
def test_bad_configs(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_wave_config(text, "wave.yaml")
    assert any(fragment in str(p) for p in err.value.problems), err.value.problems


def test_rectangular_layout_with_zones() -> None:
    lay = parse_layout(
        "name: dc-east\nkind: rectangular\nblocks: 2\naisles: 10\nslots_per_side: 20\nslot_length_m: 1.0\n"
        "aisle_pitch_m: 3.0\ncross_aisle_width_m: 2.0\ndepot: {x_m: 0.0}\nzones:\n"
        "  - {id: Z1, aisles: [1, 5], depot_x_m: 0.0}\n  - {id: Z2, aisles: [6, 10], depot_x_m: 15.0}\n"
    )
    assert isinstance(lay, RectangularLayout)
    assert lay.zone_of("A07-B2-S001-L") == "Z2"
    assert lay.depot("Z2").x == 15.0


def test_graph_layout_from_spec_example() -> None:
    lay = parse_layout(
        "name: mezzanine\nkind: graph\nnodes: [{id: dock, x_m: 0, y_m: 0}, {id: n1, x_m: 5, y_m: 0}, "
        "{id: n2, x_m: 5, y_m: 8}]\nedges: [[dock, n1], {from: n1, to: n2, length_m: 9.5}]\n"
        "locations: [{id: M-01, node: n1}, {id: M-02, node: n2}]\ndepot: dock\n"
    )
    assert isinstance(lay, GraphLayout)
    assert lay.route_length([lay.point("M-02")]) == pytest.approx(29.0)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("blocks: 1\naisles: [\n", "layout.yaml, row 3: YAML does not parse"),
        ("blocks: 1\naisles: 4\n", "column 'slots_per_side': required key missing"),
        ("blocks: 1\naisles: four\nslots_per_side: 3\n", "column 'aisles': must be a number"),
        ("blocks: 1\naisles: 2\nslots_per_side: 3\ndepot: {x_m: 99}\n", "outside the front cross aisle"),
        ("kind: round\n", "column 'kind'"),
        ("kind: graph\nnodes: [{id: a, x_m: 0, y_m: 0}]\nedges: [[a, b]]\ndepot: a\n", "unknown node 'b'"),
    ],
)
def test_bad_layouts(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_layout(text, "layout.yaml")
    assert any(fragment in str(p) for p in err.value.problems), err.value.problems


def test_packing_costs() -> None:
    cfg = parse_wave_config("packing: {per_carton_cost: 1.5, dim_factor_cm3_per_kg: 5000, rate_per_kg: 0.4}\n")
    assert cfg.packing.per_carton_cost == 1.5 and cfg.packing.dim_factor_cm3_per_kg == 5000.0
    assert config_to_mapping(cfg)["packing"]["rate_per_kg"] == 0.4
    with pytest.raises(InputError, match=r"packing\.per_carton"):
        parse_wave_config("packing: {per_carton: 1}\n")
    with pytest.raises(InputError, match="must be >= 0"):
        parse_wave_config("packing: {per_carton_cost: -1}\n")
