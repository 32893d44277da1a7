"""The one validator of ids that enter pickwave: order, SKU, wave and batch ids.

Every id is checked once, where it enters (a row of an input file, a
command-line flag, a DAG parameter), so nothing later has to wonder whether
an id is safe to store or to use in a path:

* any id: not empty, at most :data:`MAX_ID_LEN` characters (the store's id
  columns; SQLite would take more, PostgreSQL would refuse the whole file),
  no control character (NUL cannot be stored, a newline breaks CSV readers);
* an id that names a file or folder (``wave_id``, ``batch_id``): in addition
  only letters, digits, ``.``, ``_`` and ``-``, not starting with ``.`` — so
  ``../../x``, ``/abs``, ``a/b`` or ``.hidden`` never leave, or hide inside,
  the output folder.
"""

from __future__ import annotations

import re

from engine.io.csvtable import FieldError

#: Longest id accepted (the store's id columns are ``VARCHAR(200)``).
MAX_ID_LEN = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FILE_SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def check_id(value: str, column: str, *, file_name: bool = False) -> str:
    """Return ``value`` when it is a usable id, else raise :class:`FieldError` naming ``column``.

    ``file_name=True`` for ids that become a file or folder name.

    Examples
    --------
    >>> check_id("W-20261201T0600", "wave_id", file_name=True)
    'W-20261201T0600'
    >>> id_problem("../../ESCAPED", "wave_id", file_name=True)[:35]
    "'../../ESCAPED' cannot name a folder"
    >>> check_id("o\\x00", "order_id")
    Traceback (most recent call last):
    ...
    engine.io.csvtable.FieldError: 'o\\x00' contains a control character (NUL, newline, tab ...)
    """
    if not value:
        raise FieldError(column, "empty id")
    if len(value) > MAX_ID_LEN:
        raise FieldError(column, f"id of {len(value)} characters: at most {MAX_ID_LEN} ({value[:20]!r}...)")
    if _CONTROL.search(value):
        raise FieldError(column, f"{value!r} contains a control character (NUL, newline, tab ...)")
    if file_name and not _FILE_SAFE.fullmatch(value):
        raise FieldError(column, f"{value!r} cannot name a folder: use letters, digits, '.', '_' and '-', "
                                 "not starting with '.'")
    return value


def id_problem(value: str, what: str, *, file_name: bool = False) -> str | None:
    """The message :func:`check_id` would raise for ``value``, or None when it is usable.

    >>> id_problem("W1", "--wave-id", file_name=True) is None
    True
    """
    try:
        check_id(value, what, file_name=file_name)
    except FieldError as exc:
        return exc.message
    return None
