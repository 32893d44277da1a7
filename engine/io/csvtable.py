"""CSV with a header row: the shared mechanics of every input table.

Rows are numbered as a spreadsheet shows them: the header is row 1, so the
first data row is row 2. Field converters raise :class:`FieldError`, which the
table turns into a :class:`engine.errors.Problem` naming file, row and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from engine.errors import InputError, Problem

T = TypeVar("T")
#: Numbers as a spreadsheet writes them, ASCII only (``float()`` would also take ``1_0``, ``nan``, Arabic digits).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Date-times outside these years are refused: typos (``0202``) and values whose time-zone shift overflows.
MIN_YEAR, MAX_YEAR = 1970, 9000
#: Whole numbers: digits, an optional sign and an optional all-zero fraction.
_WHOLE = re.compile(r"[+-]?[0-9]+(?:\.0*)?")


class FieldError(ValueError):
    """A value that cannot be used; carries the column it came from."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its spreadsheet row number and its cells by column name."""

    number: int
    cells: dict[str, str]
    #: why the row's shape is wrong (more fields than the header), else ``""``; see :func:`check_shape`
    shape_error: str = ""

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            raise FieldError(column, "empty value")
        return value

    def number_(self, column: str, *, positive: bool = False, minimum: float | None = None) -> float:
        """A decimal number in ASCII (``12``, ``0.5``, ``1e3``); separators, ``nan``, ``inf`` are refused."""
        raw = self.text(column)
        if not _DECIMAL.fullmatch(raw):
            raise FieldError(column, f"not a number: {raw!r}")
        value = float(raw)
        if not math.isfinite(value):
            raise FieldError(column, f"not a finite number: {raw!r}")
        if positive and value <= 0:
            raise FieldError(column, f"must be positive, got {raw}")
        if minimum is not None and value < minimum:
            raise FieldError(column, f"must be at least {minimum:g}, got {raw}")
        return value

    def integer(self, column: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        """A whole number written as one: ASCII digits with an optional sign and zero fraction (``3``, ``+3``,
        ``3.0``). ``1e3``, ``1.5``, ``1,000``, ``1_000`` and non-ASCII digits are refused alike."""
        raw = self.text(column)
        if not _WHOLE.fullmatch(raw):
            raise FieldError(column, f"not a whole number: {raw!r}")
        digits = raw.split(".")[0]
        if len(digits.lstrip("+-")) > 18:
            raise FieldError(column, f"must be at most {maximum if maximum is not None else 10**18}, got {raw}")
        value = int(digits)
        if minimum is not None and value < minimum:
            raise FieldError(column, f"must be at least {minimum}, got {raw}")
        if maximum is not None and value > maximum:
            raise FieldError(column, f"must be at most {maximum}, got {raw}")
        return value

    def flag(self, column: str) -> bool:
        raw = (self.cells.get(column) or "").strip().lower()
        if raw in ("", "0", "false", "no"):
            return False
        if raw in ("1", "true", "yes"):
            return True
        raise FieldError(column, f"must be 0 or 1, got {raw!r}")

    def timestamp(self, column: str, *, required: bool = True) -> datetime | None:
        raw = self.text(column, required=required)
        if not raw:
            return None
        return parse_timestamp(raw, column)


def parse_timestamp(raw: str, column: str = "") -> datetime:
    """An ISO 8601 date or date-time; naive values are taken as UTC.

    >>> parse_timestamp("2026-11-26T08:00:00Z").isoformat()
    '2026-11-26T08:00:00+00:00'
    """
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise FieldError(column, f"not an ISO 8601 date-time: {raw!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        in_utc = value.astimezone(UTC)  # 9999-12-31T23:59-05:00 is past the last representable instant
    except OverflowError:
        in_utc = None
    if in_utc is None or not MIN_YEAR <= in_utc.year <= MAX_YEAR:
        raise FieldError(column, f"date-time out of range (years {MIN_YEAR} to {MAX_YEAR}): {raw!r}")
    return value


@dataclass(frozen=True, slots=True)
class Table:
    """A parsed CSV: its file name, header and rows."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def convert(self, make: Callable[[Row], T]) -> Iterator[tuple[Row, T | Problem]]:
        """Each row with ``make(row)``, or the :class:`Problem` that stopped it."""
        for row in self.rows:
            try:
                yield row, make(row)
            except FieldError as exc:
                yield row, Problem(self.file, exc.message, row=row.number, column=exc.column)


def parse_table(text: str, file: str, required: Sequence[str]) -> Table:
    """Parse CSV text with a header row and check the required columns.

    Column names are stripped; blank lines are skipped. Raises
    :class:`InputError` for an empty file, a duplicated column or any
    required column absent (one problem per missing column).

    >>> t = parse_table("sku,qty\\nA,1\\n", "x.csv", ["sku", "qty"])
    >>> t.rows[0].number, t.rows[0].cells["qty"]
    (2, '1')
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError([Problem(file, "empty file: expected a header row")]) from None
    except csv.Error as exc:
        raise InputError([Problem(file, f"not CSV: {exc}", row=1)]) from None
    columns = tuple(h.strip() for h in header)
    problems = [Problem(file, "required column missing", row=1, column=c) for c in required if c not in columns]
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            problems.append(Problem(file, "column appears twice", row=1, column=c))
        seen.add(c)
    if problems:
        raise InputError(problems)
    rows: list[Row] = []
    try:
        for values in reader:
            number = reader.line_num
            if not any(v.strip() for v in values):
                continue
            cells = dict(zip(columns, values, strict=False))
            shape = ""
            if len(values) > len(columns):
                extra = values[len(columns):]
                if any(v.strip() for v in extra):
                    # The cells are kept so the row still names its order (which is then held), never dropped.
                    shown = ", ".join(repr(v) for v in extra[:3]) + (", ..." if len(extra) > 3 else "")
                    shape = (f"{len(values)} fields, the header has {len(columns)} "
                             f"(extra trailing fields: {shown})")
            rows.append(Row(number, cells, shape))
    except csv.Error as exc:
        raise InputError([Problem(file, f"not CSV: {exc}", row=reader.line_num)]) from None
    return Table(file, columns, tuple(rows))


def check_shape(row: Row) -> None:
    """Raise for a row with more non-empty fields than the header (flagged by :func:`parse_table`).

    Such a row is never read as if it fitted: a shifted or pasted row would put
    values into the wrong columns. Its cells are still there, so the caller can
    say which record (order, SKU) the bad row belongs to.
    """
    if row.shape_error:
        raise FieldError("", row.shape_error)
