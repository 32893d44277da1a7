"""The mutation table: malformed variants of every input file, as a hostile tester writes them.

Each mutation is a pure function of a file's text (or bytes) and returns the
bytes to write instead. Families: columns, encodings, separators, quoting,
numbers, dates, ids, and YAML. Row mutations act on the first data row
(spreadsheet row 2) unless they say otherwise, so the accounting check knows
which order to expect held.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

Mutate = Callable[[str], bytes]


@dataclass(frozen=True)
class Mutation:
    name: str
    family: str
    apply: Mutate


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv(rows: list[list[str]], sep: str = ",", newline: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=newline).writerows(rows)
    return buf.getvalue()


def set_cell(column: str, value: str, row: int = 1) -> Mutate:
    """Row ``row`` (1 = first data row) gets ``value`` in ``column`` (the file is left alone without it)."""
    def f(text: str) -> bytes:
        rows = _rows(text)
        if column not in rows[0] or len(rows) <= row:
            return text.encode()
        rows[row][rows[0].index(column)] = value
        return _csv(rows).encode("utf-8", "surrogatepass")
    return f


def drop_column(column: str) -> Mutate:
    def f(text: str) -> bytes:
        rows = _rows(text)
        if column not in rows[0]:
            return text.encode()
        k = rows[0].index(column)
        return _csv([r[:k] + r[k + 1:] for r in rows]).encode()
    return f


def dup_column(column: str) -> Mutate:
    def f(text: str) -> bytes:
        rows = _rows(text)
        if column not in rows[0]:
            return text.encode()
        k = rows[0].index(column)
        return _csv([[*r, r[k]] for r in rows]).encode()
    return f


def rename_column(column: str, new: str) -> Mutate:
    def f(text: str) -> bytes:
        rows = _rows(text)
        rows[0] = [new if c == column else c for c in rows[0]]
        return _csv(rows).encode()
    return f


def reverse_columns(text: str) -> bytes:
    return _csv([r[::-1] for r in _rows(text)]).encode()


def extra_trailing(text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\r\n") + ",x,y\n"
    return "".join(lines).encode()


def short_row(text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    lines[1] = ",".join(lines[1].rstrip("\r\n").split(",")[:2]) + "\n"
    return "".join(lines).encode()


def header_only(text: str) -> bytes:
    return text.splitlines(keepends=True)[0].encode()


def duplicate_row(text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    return "".join([*lines, lines[1]]).encode()


def blank_lines(text: str) -> bytes:
    return text.replace("\n", "\n\n\n").encode()


def separator(sep: str) -> Mutate:
    return lambda text: _csv(_rows(text), sep=sep).encode()


def line_endings(nl: str) -> Mutate:
    return lambda text: text.replace("\n", nl).encode()


def encoding(name: str) -> Mutate:
    return lambda text: text.encode(name, "replace")


def raw_bytes(tail: bytes, row: int = 1) -> Mutate:
    """Append ``tail`` to data row ``row`` (before its newline)."""
    def f(text: str) -> bytes:
        lines = text.encode().splitlines(keepends=True)
        lines[row] = lines[row].rstrip(b"\r\n") + tail + b"\n"
        return b"".join(lines)
    return f


def unterminated_quote(text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    lines[1] = '"' + lines[1]
    return "".join(lines).encode()


def stray_quote(text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    first, rest = lines[1].split(",", 1)
    lines[1] = f'{first[:1]}"{first[1:]},{rest}'
    return "".join(lines).encode()


def truncate(text: str) -> bytes:
    return text[: len(text) // 2].encode()


def nothing(_: str) -> bytes:
    return b""


def bom_only(_: str) -> bytes:
    return "\ufeff".encode()


def binary(_: str) -> bytes:
    return bytes(range(256)) * 4


def replace_text(old: str, new: str) -> Mutate:
    return lambda text: text.replace(old, new, 1).encode()


def whole(text_out: str) -> Mutate:
    return lambda _text: text_out.encode()


# --- per file ------------------------------------------------------------------------
NUMBERS = ["1e3", "1.5", "-1", "0", "NaN", "inf", "1,000", " 7 ", "1_000", "0x10", "\u0663",
           "99999999999999999999999", "", "+3", "3.0"]
DATES = ["2026-13-01", "2026-02-30T08:00:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00",
         "yesterday", "", "2026-11-26T25:00:00", "2026-11-26 08:00:00", "20261126", "2026-11-26T08:00:00+99:00"]
IDS = ["x" * 201, "o\x00x", "../../ESCAPED", "/abs/id", "   ", "id\nwith newline", "\u202eRTL", "\U0001f4a9",
       "'; DROP TABLE orders;--", "a,b"]


def csv_family(columns: list[str], numeric: list[str], dates: list[str], ids: list[str]) -> list[Mutation]:
    m: list[Mutation] = []
    for c in columns:
        m.append(Mutation(f"drop {c}", "columns", drop_column(c)))
    m += [Mutation(f"duplicate column {columns[0]}", "columns", dup_column(columns[0])),
          Mutation(f"rename {columns[0]} upper", "columns", rename_column(columns[0], columns[0].upper())),
          Mutation("columns reversed", "columns", reverse_columns),
          Mutation("extra trailing fields", "columns", extra_trailing),
          Mutation("short row", "columns", short_row),
          Mutation("header only", "columns", header_only),
          Mutation("duplicate row", "columns", duplicate_row),
          Mutation("blank lines", "columns", blank_lines),
          Mutation("empty file", "columns", nothing),
          Mutation("truncated", "columns", truncate),
          Mutation("latin-1", "encodings", encoding("latin-1")),
          Mutation("utf-16", "encodings", encoding("utf-16")),
          Mutation("utf-8 BOM", "encodings", lambda t: ("\ufeff" + t).encode()),
          Mutation("BOM only", "encodings", bom_only),
          Mutation("binary", "encodings", binary),
          Mutation("invalid utf-8 byte", "encodings", raw_bytes(b"\xff\xfe")),
          Mutation("NUL byte", "encodings", raw_bytes(b"\x00")),
          Mutation("CRLF", "encodings", line_endings("\r\n")),
          Mutation("CR only", "encodings", line_endings("\r")),
          Mutation("semicolons", "separators", separator(";")),
          Mutation("tabs", "separators", separator("\t")),
          Mutation("pipes", "separators", separator("|")),
          Mutation("unterminated quote", "quoting", unterminated_quote),
          Mutation("stray quote", "quoting", stray_quote)]
    for c in numeric:
        m += [Mutation(f"{c}={v!r}", "numbers", set_cell(c, v)) for v in NUMBERS]
    for c in dates:
        m += [Mutation(f"{c}={v!r}", "dates", set_cell(c, v)) for v in DATES]
    for c in ids:
        m += [Mutation(f"{c}={v[:12]!r}", "ids", set_cell(c, v)) for v in IDS]
    return m


ORDERS = [*csv_family(["order_id", "sku", "qty", "created_at", "payment_status"], ["qty", "priority", "line_no"],
                      ["created_at", "ship_by"], ["order_id", "sku"]),
          Mutation("payment_status=PAID", "columns", set_cell("payment_status", "PAID")),
          Mutation("second line, other payment", "columns", set_cell("payment_status", "pending", row=2)),
          Mutation("second line, other priority", "columns", set_cell("priority", "7", row=2)),
          Mutation("second line, other carrier", "columns", set_cell("carrier", "UPS", row=2)),
          Mutation("same line twice", "columns", set_cell("line_no", "1", row=2)),
          Mutation("a line of 100,000 units", "numbers", set_cell("qty", "100000"))]
SKUS = [*csv_family(["sku", "length_cm", "weight_kg", "fragile"], ["length_cm", "weight_kg"], [], ["sku"]),
        Mutation("fragile=maybe", "numbers", set_cell("fragile", "maybe")),
        Mutation("huge item", "numbers", set_cell("length_cm", "100000"))]
INVENTORY = [*csv_family(["sku", "location_id", "qty"], ["qty"], [], ["sku", "location_id"]),
             Mutation("stock row twice", "columns", duplicate_row)]
BOXES = csv_family(["box_id", "length_cm", "cost"], ["length_cm", "max_weight_kg"], [], ["box_id"])

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)) + "name: *i\n"

YAML_COMMON = [
    Mutation("alias bomb", "yaml", lambda t: BOMB.encode()),
    Mutation("alias bomb appended", "yaml", lambda t: (t + BOMB.replace("name:", "zz:")).encode()),
    Mutation("not a mapping", "yaml", whole("- a\n- b\n")),
    Mutation("scalar", "yaml", whole("just text\n")),
    Mutation("bad yaml", "yaml", whole("a: [1, 2\nb: {\n")),
    Mutation("tabs", "yaml", lambda t: t.replace("  ", "\t").encode()),
    Mutation("empty", "yaml", nothing),
    Mutation("binary", "yaml", binary),
    Mutation("latin-1", "yaml", lambda t: (t + "# caf\xe9\n").encode("latin-1")),
    Mutation("duplicate key", "yaml", lambda t: (t + t.splitlines()[0] + "\n").encode()),
    Mutation("python tag", "yaml", lambda t: (t + "x: !!python/object/apply:os.system ['true']\n").encode()),
    Mutation("truncated", "yaml", truncate),
]
WAVE = [*YAML_COMMON, *[
    Mutation(f"{key}: {value}", "yaml", lambda t, k=key, v=value: (t + f"\n{k}: {v}\n").encode())
    for key, value in [("time_limit_s", "0"), ("time_limit_s", "-1"), ("time_limit_s", "fast"),
                       ("time_limit_s", ".nan"), ("time_limit_s", ".inf"), ("time_limit_s", "1e400"),
                       ("max_iterations", "-1"),
                       ("max_iterations", "1.5"), ("max_orders", "-3"), ("seed", "'x'"), ("method", "teleport"),
                       ("routing", "[1, 2]"), ("cutoff", "not a date"), ("cutoff", "9999-12-31T23:59:59-05:00"),
                       ("fragile_padding_cm", "-2"), ("release_payment_statuses", "[stolen]"),
                       ("cart", "{totes: 0}"), ("cart", "{totes: 1e9}"), ("cart", "5"),
                       ("packing", "{per_carton_cost: -1}"),
                       ("unknown_key", "1"), ("seed", "99999999999999999999999999")]
]]
LAYOUT = [*YAML_COMMON, *[
    Mutation(f"{key}: {value}", "yaml", lambda t, k=key, v=value: _set_yaml(t, k, v))
    for key, value in [("aisles", "0"), ("aisles", "-4"), ("aisles", "1e9"), ("aisles", "two"), ("blocks", "0"),
                       ("slots_per_side", "100000000"), ("slot_length_m", "-1"), ("slot_length_m", ".nan"),
                       ("kind", "hexagonal"), ("name", "[1, 2]"), ("aisle_pitch_m", "0")]
]]


def _set_yaml(text: str, key: str, value: str) -> bytes:
    lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key}:")]
    return ("\n".join(lines) + f"\n{key}: {value}\n").encode()


TABLE = {"orders": ORDERS, "skus": SKUS, "inventory": INVENTORY, "boxes": BOXES, "wave": WAVE, "layout": LAYOUT}
