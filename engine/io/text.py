"""Reading input files as text: existence, encoding, emptiness."""

from __future__ import annotations

from pathlib import Path

from engine.errors import InputError, Problem


def read_text(path: str | Path) -> str:
    """The whole file as UTF-8 text (a leading BOM is dropped).

    Raises
    ------
    InputError
        When the file is missing, unreadable, or not valid UTF-8; the message
        names the row (line) and byte of the first bad byte.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, "file not found")]) from None
    except OSError as exc:
        raise InputError([Problem(name, f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            [Problem(name, f"not UTF-8: byte 0x{data[exc.start]:02x} at character {col}", row=line)]
        ) from None
    return text.removeprefix("\ufeff")
