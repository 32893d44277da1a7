"""Input tables: good rows become models; bad rows are named by file, row and column."""

from pathlib import Path

import pytest

from engine.errors import InputError
from engine.io.tables import parse_boxes, parse_inventory, parse_orders, parse_orders_jsonl, parse_skus, read_orders
from engine.io.text import read_text
from engine.model import HoldReason

SKUS = "sku,length_cm,width_cm,height_cm,weight_kg,fragile,upright,description\n" \
       "A,10,5,2,0.2,0,0,plain\nB,20,20,30,1.5,1,1,vase\n"
ORDERS_HEADER = "order_id,sku,qty,created_at,payment_status,priority,ship_by,carrier\n"


def test_skus_parse() -> None:
    table = parse_skus(SKUS)
    assert set(table.skus) == {"A", "B"}
    b = table.skus["B"]
    assert (b.fragile, b.upright, b.description, b.volume_l) == (True, True, "vase", 12.0)
    assert table.warnings == ()


def test_missing_column_is_fatal_and_named() -> None:
    with pytest.raises(InputError) as err:
        parse_skus("sku,length_cm,width_cm,weight_kg,fragile,upright\nA,1,1,1,0,0\n", "skus.csv")
    (problem,) = err.value.problems
    assert str(problem) == "skus.csv, row 1, column 'height_cm': required column missing"


def test_bad_number_row_is_left_out_and_named() -> None:
    table = parse_skus(SKUS + "C,ten,1,1,1,0,0,\n", "skus.csv")
    assert "C" not in table.skus
    assert str(table.rejected["C"]) == "skus.csv, row 4, column 'length_cm': not a number: 'ten'"
    assert len(table.warnings) == 1


def test_empty_file_is_fatal() -> None:
    with pytest.raises(InputError, match="empty file"):
        parse_skus("", "skus.csv")


def test_inventory_unknown_location() -> None:
    known = {"A01-B1-S001-L"}.__contains__
    table = parse_inventory("sku,location_id,qty\nA,A01-B1-S001-L,5\nA,A09-B9-S999-L,3\nA,A01-B1-S001-L,2\n",
                            "inventory.csv", known)
    assert [(s.sku, s.location_id, s.qty) for s in table.stock] == [("A", "A01-B1-S001-L", 7)]
    problem, repeat = table.warnings
    assert str(problem) == "inventory.csv, row 3, column 'location_id': unknown location id 'A09-B9-S999-L'"
    assert "row 4, column 'qty': SKU 'A' at A01-B1-S001-L listed again" in str(repeat)


def test_boxes_with_optional_tare() -> None:
    table = parse_boxes("box_id,length_cm,width_cm,height_cm,max_weight_kg,cost,tare_kg\n"
                        "S,20,15,10,5,0.5,0.2\nM,30,20,15,10,0.8,\nX,1,1,1,1,1,2\n", "boxes.csv")
    assert [b.box_id for b in table.boxes] == ["S", "M"]
    assert table.boxes[0].payload_kg == pytest.approx(4.8)
    assert "row 4, column 'tare_kg'" in str(table.warnings[0])


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("o2,A,0,2026-11-26T08:00:00,captured,,,", "qty", "at least 1"),
        ("o2,A,-3,2026-11-26T08:00:00,captured,,,", "qty", "at least 1"),
        ("o2,A,two,2026-11-26T08:00:00,captured,,,", "qty", "not a whole number"),
        ("o2,A,99999999999,2026-11-26T08:00:00,captured,,,", "qty", "at most"),
        ("o2,A,1,2026-02-30T08:00:00,captured,,,", "created_at", "ISO 8601"),
        ("o2,A,1,2026-11-26T08:00:00,paid,,,", "payment_status", "unknown payment status"),
        ("o2,A,1,2026-11-26T08:00:00,captured,high,,", "priority", "not a whole number"),
    ],
)
def test_bad_order_row_holds_only_its_order(row: str, column: str, fragment: str) -> None:
    text = (ORDERS_HEADER + "o1,A,1,2026-11-26T08:00:00,captured,,,\n" + row
            + "\no2,B,1,2026-11-26T08:00:00,captured,,,\n")
    result = parse_orders(text, "orders.csv", known_skus={"A", "B"})
    assert [o.order_id for o in result.orders] == ["o1"]
    (hold,) = result.held
    assert hold.order_id == "o2" and hold.reason is HoldReason.INVALID
    assert f"orders.csv, row 3, column '{column}'" in hold.detail and fragment in hold.detail


def test_unknown_sku_and_rejected_sku() -> None:
    skus = parse_skus(SKUS + "C,ten,1,1,1,0,0,\n")
    text = ORDERS_HEADER + (
        "o1,Z,1,2026-11-26,captured,,,\no2,C,1,2026-11-26,captured,,,\no3,A,2,2026-11-26,captured,,,\n"
    )
    result = parse_orders(text, "orders.csv", skus.skus.keys(), skus.rejected)
    reasons = {h.order_id: h.reason for h in result.held}
    assert reasons == {"o1": HoldReason.UNKNOWN_SKU, "o2": HoldReason.INVALID}
    assert result.orders[0].quantities() == {"A": 2}


def test_lines_of_one_order_and_conflicting_headers() -> None:
    text = ORDERS_HEADER + (
        "o1,A,1,2026-11-26T08:00:00,captured,2,2026-11-27T12:00:00,UPS\n"
        "o1,B,2,2026-11-26T08:00:00,captured,2,2026-11-27T12:00:00,UPS\n"
        "o1,A,3,2026-11-26T08:00:00,captured,2,2026-11-27T12:00:00,UPS\n"
        "o2,A,1,2026-11-26T08:00:00,captured,,,\n"
        "o2,A,1,2026-11-26T09:00:00,pending,,,\n"
    )
    result = parse_orders(text, "orders.csv", {"A", "B"})
    (o1,) = result.orders
    assert o1.quantities() == {"A": 4, "B": 2} and o1.priority == 2 and o1.carrier == "UPS"
    assert [line.line_no for line in o1.lines] == [1, 2, 3]
    assert result.held[0].order_id == "o2" and "differ" in result.held[0].detail


def test_sql_looking_ids_are_plain_text() -> None:
    text = ORDERS_HEADER + "\"o1'; DROP TABLE orders;--\",A,1,2026-11-26,captured,,,\n"
    (order,) = parse_orders(text, "orders.csv", {"A"}).orders
    assert order.order_id == "o1'; DROP TABLE orders;--"


def test_jsonl_orders() -> None:
    text = ('{"order_id": "j1", "sku": "A", "qty": 2, "created_at": "2026-11-26T08:00:00Z", '
            '"payment_status": "captured", "channel": "web"}\nnot json\n')
    result = parse_orders_jsonl(text, "o.jsonl", {"A"})
    assert result.orders[0].channel == "web" and result.orders[0].units == 2
    assert "o.jsonl, row 2" in str(result.warnings[0])


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDERS_HEADER.encode() + b"o1,A,1,2026-11-26,capt\xe9red,,,\n")
    with pytest.raises(InputError) as err:
        read_orders(path)
    assert f"{path}, row 2: not UTF-8: byte 0xe9" in str(err.value.problems[0])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_text(tmp_path / "nope.csv")


# --- the one reader of order rows (issue 14) ---------------------------------------------
LINED = "order_id,line_no,sku,qty,created_at,payment_status,channel,priority,ship_by,carrier\n"


def test_row_with_extra_trailing_fields_holds_its_order_never_drops_the_line() -> None:
    text = LINED + ("o1,1,A,1,2026-11-26,captured,web,0,,DHL\n"
                    "o1,2,B,3,2026-11-26,captured,web,0,,DHL,x,y\n"
                    "o2,1,A,1,2026-11-26,captured,web,0,,DHL\n")
    result = parse_orders(text, "orders.csv", {"A", "B"})
    assert [o.order_id for o in result.orders] == ["o2"]
    (hold,) = result.held
    assert hold.order_id == "o1" and hold.reason is HoldReason.INVALID
    assert hold.detail.startswith("orders.csv, row 3: 12 fields, the header has 10")
    assert "'x', 'y'" in hold.detail


def test_empty_trailing_fields_are_harmless() -> None:
    (order,) = parse_orders(LINED + "o1,1,A,1,2026-11-26,captured,web,0,,DHL,,\n", "orders.csv", {"A"}).orders
    assert order.quantities() == {"A": 1}


def test_duplicated_line_holds_the_order_naming_both_rows() -> None:
    row = "o1,1,A,5,2026-11-26,captured,web,0,,DHL\n"
    result = parse_orders(LINED + row + "o1,2,B,1,2026-11-26,captured,web,0,,DHL\n" + row, "orders.csv", {"A", "B"})
    assert result.orders == ()
    (hold,) = result.held
    assert hold.reason is HoldReason.INVALID
    assert "row 4, column 'line_no': line_no 1 appears twice in order 'o1' (rows 2 and 4)" in hold.detail


def test_same_sku_on_two_distinct_lines_is_summed() -> None:
    text = LINED + "o1,1,A,5,2026-11-26,captured,web,0,,DHL\no1,2,A,2,2026-11-26,captured,web,0,,DHL\n"
    (order,) = parse_orders(text, "orders.csv", {"A"}).orders
    assert order.quantities() == {"A": 7} and [ln.line_no for ln in order.lines] == [1, 2]


def test_order_level_fields_merge_with_a_warning_naming_the_column() -> None:
    text = LINED + ("o1,1,A,1,2026-11-26,captured,web,1,2026-11-28T12:00:00Z,DHL\n"
                    "o1,2,A,1,2026-11-26,captured,shop,5,2026-11-27T12:00:00Z,UPS\n")
    result = parse_orders(text, "orders.csv", {"A"})
    (o1,) = result.orders
    assert (o1.priority, o1.ship_by.isoformat() if o1.ship_by else None, o1.channel, o1.carrier) == (
        5, "2026-11-27T12:00:00+00:00", "web", "DHL")
    columns = sorted(p.column or "" for p in result.warnings)
    assert columns == ["carrier", "channel", "priority", "ship_by"]
    assert all(p.row == 3 for p in result.warnings)


@pytest.mark.parametrize(("second", "column"), [
    ("o1,2,A,1,2026-11-26,pending,web,0,,DHL", "payment_status"),
    ("o1,2,A,1,2026-11-25,captured,web,0,,DHL", "created_at"),
])
def test_payment_or_created_at_conflict_holds_naming_the_real_column(second: str, column: str) -> None:
    result = parse_orders(LINED + "o1,1,A,1,2026-11-26,captured,web,0,,DHL\n" + second + "\n", "orders.csv", {"A"})
    (hold,) = result.held
    assert hold.reason is HoldReason.INVALID and f"row 3, column '{column}': differs" in hold.detail


@pytest.mark.parametrize(("oid", "fragment"), [("x" * 201, "at most 200"), ("o\x00", "control character")])
def test_unusable_order_id_holds_the_order(oid: str, fragment: str) -> None:
    result = parse_orders(ORDERS_HEADER + f"{oid},A,1,2026-11-26,captured,,,\n", "orders.csv", {"A"})
    assert result.orders == () and fragment in result.held[0].detail


def test_repeated_inventory_rows_add_up_with_a_warning() -> None:
    table = parse_inventory("sku,location_id,qty\nA,L1,5\nA,L1,3\n", "inventory.csv")
    assert [(s.sku, s.qty) for s in table.stock] == [("A", 8)]
    (w,) = table.warnings
    assert str(w) == "inventory.csv, row 3, column 'qty': SKU 'A' at L1 listed again (first on row 2); " \
                     "quantities added: 5 + 3"
