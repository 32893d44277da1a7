"""What the command handlers share: the store a command names, who acts, progress on a terminal."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

from engine.errors import InputError, Problem
from engine.store.urls import DEFAULT_URL, db_url


def actor(prefix: str = "cli") -> str:
    """``cli:<user>``: who ran a command, for the store's event log."""
    try:
        return f"{prefix}:{getpass.getuser()}"
    except (KeyError, OSError):
        return prefix


def store_url(args: argparse.Namespace, *, create: bool = False) -> str:
    """The store a command works on: ``--db``, else ``PICKWAVE_DB_URL``, else ``sqlite:///pickwave.db``.

    A command that reads the store (``create`` false) refuses a SQLite file that
    does not exist, instead of creating an empty store there and reporting
    nothing; so does an import into a missing file that is not the default,
    whose folder does not exist. Raises :class:`InputError` (exit 2) naming
    the URL and how to fix it.
    """
    given = getattr(args, "db", None)
    url = db_url(given)
    path = sqlite_path(url)
    if path is None or path.exists():
        return url
    where = "--db" if given else "PICKWAVE_DB_URL" if url != DEFAULT_URL else "the default store"
    if not create:
        raise InputError([Problem(url, f"no store at {path} ({where}); name an existing store with --db URL or "
                                       "PICKWAVE_DB_URL, or create this one with `pickwave catalog import`")])
    if not path.parent.exists():
        raise InputError([Problem(url, f"folder {path.parent} does not exist ({where})")])
    print(f"pickwave: creating a new store at {path}", file=sys.stderr)
    return url


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory or another database).

    >>> sqlite_path("sqlite:///pickwave.db"), sqlite_path("sqlite://"), sqlite_path("postgresql://h/db")
    (PosixPath('pickwave.db'), None, None)
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


class StderrProgress:
    """Prints ``stage NN%`` lines to stderr, at most one per stage and 10 % step."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}
        self.start = time.monotonic()

    def __call__(self, stage: str, fraction: float) -> None:
        step = int(fraction * 10)
        if self.last.get(stage) == step:
            return
        self.last[stage] = step
        print(f"pickwave: {stage} {step * 10:3d}%  ({time.monotonic() - self.start:5.1f} s)", file=sys.stderr)


def progress(args: argparse.Namespace) -> StderrProgress | None:
    """Progress lines when stderr is a terminal and ``--quiet`` is not given; none in scripts and logs."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        return None
    return StderrProgress()
