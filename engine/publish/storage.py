"""Atomic writes to any fsspec URL: write a temporary sibling, then move it in place.

A 3PL polling the output folder must never read half a file. Every writer in
:mod:`engine.publish` goes through :func:`write_atomic`, which writes the bytes
to ``<name>.tmp-<token>`` beside the target and then moves it over the target.
On a local disk the move is ``os.replace`` (atomic on POSIX); on object stores
(S3, GCS) a single PUT is already atomic and the move is a server-side copy.

Plain paths, ``file://`` URLs, ``memory://`` and any other fsspec protocol (or an
Airflow ``ObjectStoragePath`` turned into ``str``) are accepted.
"""

from __future__ import annotations

import logging
import os
import posixpath
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from engine.errors import InputError, Problem

log = logging.getLogger(__name__)

TMP_MARK = ".tmp-"


def join(base: str, *parts: str) -> str:
    """Join path parts onto a path or URL with ``/`` (never the OS separator).

    >>> join("memory://out", "W1", "picklists.csv")
    'memory://out/W1/picklists.csv'
    >>> join("/tmp/out/", "a.csv")
    '/tmp/out/a.csv'
    """
    out = base.rstrip("/")
    for part in parts:
        out = f"{out}/{part.strip('/')}"
    return out


def _fs(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    fs, path = fsspec.core.url_to_fs(url)
    return fs, path


def write_atomic(url: str, data: bytes | str) -> str:
    """Write ``data`` to ``url`` so readers see the old file or the whole new one.

    Parent folders are created. Returns ``url``. Text is encoded as UTF-8.

    >>> write_atomic("memory://doc/a.txt", "hi")
    'memory://doc/a.txt'
    >>> read_bytes("memory://doc/a.txt")
    b'hi'
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fs, path = _fs(url)
    parent = posixpath.dirname(path)
    if parent:
        fs.makedirs(parent, exist_ok=True)
    tmp = f"{path}{TMP_MARK}{secrets.token_hex(6)}"
    try:
        with fs.open(tmp, "wb") as fh:
            fh.write(payload)
        if isinstance(fs, LocalFileSystem):
            os.replace(tmp, path)  # atomic rename on one file system
        else:
            fs.mv(tmp, path)
    except BaseException:
        if fs.exists(tmp):
            fs.rm(tmp)
        raise
    log.debug("wrote %s (%d bytes)", url, len(payload))
    return url


def write_if_absent(url: str, data: bytes | str) -> bool:
    """Write ``url`` atomically unless it exists; True when it was written.

    Used for write-once records (outbox messages, quarantine entries) so a
    retried task never duplicates one.
    """
    if exists(url):
        return False
    write_atomic(url, data)
    return True


def read_bytes(url: str) -> bytes:
    """The whole content of ``url``."""
    fs, path = _fs(url)
    with fs.open(path, "rb") as fh:
        data: bytes = fh.read()
    return data


def read_text(url: str) -> str:
    """The content of ``url`` as UTF-8 text (a leading BOM is dropped)."""
    return read_bytes(url).decode("utf-8").removeprefix("\ufeff")


def exists(url: str) -> bool:
    fs, path = _fs(url)
    return bool(fs.exists(path))


def list_files(url: str, suffixes: tuple[str, ...] = ()) -> list[str]:
    """Files directly under the folder ``url`` (sorted URLs), temporaries excluded.

    Returns ``[]`` when the folder does not exist.
    """
    fs, path = _fs(url)
    if not fs.exists(path):
        return []
    out = []
    for info in fs.ls(path, detail=True):
        name = posixpath.basename(str(info["name"]).rstrip("/"))
        if info.get("type") != "file" or TMP_MARK in name:
            continue
        if suffixes and not name.endswith(suffixes):
            continue
        out.append(join(url, name))
    return sorted(out)


def walk_files(url: str) -> Iterator[str]:
    """Every file below ``url`` as a path relative to it, sorted."""
    fs, path = _fs(url)
    if not fs.exists(path):
        return
    root = path.rstrip("/")
    for full in sorted(fs.find(path)):
        rel = str(full)[len(root) :].lstrip("/")
        if TMP_MARK not in posixpath.basename(rel):
            yield rel


def move(src_url: str, dst_url: str) -> None:
    """Move one file (within one file system), creating the target folder."""
    fs, src = _fs(src_url)
    _, dst = _fs(dst_url)
    parent = posixpath.dirname(dst)
    if parent:
        fs.makedirs(parent, exist_ok=True)
    if isinstance(fs, LocalFileSystem):
        os.replace(src, dst)
    else:
        fs.mv(src, dst)


#: Files a reader takes as "the folder is complete"; moved after every other file.
COMPLETION_MARKS = ("summary.json", "manifest.json")


def publish_staged(staged_url: str, out_url: str, last: tuple[str, ...] = COMPLETION_MARKS) -> bool:
    """Move every file under ``staged_url`` into ``out_url`` (same relative paths); True when all are there.

    Files named in ``last`` move after every other file, so a reader that waits
    for them never sees a half-published folder. Idempotent and resumable: a
    move interrupted half-way is finished by calling this again (files already
    moved are simply no longer staged). With nothing staged it returns whether
    ``out_url`` already holds one of ``last`` (the move had finished). The
    staged folder is removed once empty. O(files).
    """
    fs, staged = _fs(staged_url)
    rels = list(walk_files(staged_url)) if fs.exists(staged) else []
    if not rels:
        done = any(exists(join(out_url, name)) for name in last)
        if done and fs.exists(staged):
            fs.rm(staged, recursive=True)
        return done
    rels.sort(key=lambda r: (last.index(posixpath.basename(r)) + 1 if posixpath.basename(r) in last else 0, r))
    for rel in rels:
        try:
            move(join(staged_url, rel), join(out_url, rel))
        except FileNotFoundError:
            continue  # moved meanwhile by a run finishing the same wave
    if fs.exists(staged):
        fs.rm(staged, recursive=True)
    return True


def current_umask() -> int:
    """The process umask (read without changing it for longer than one call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_dirs(path: str | os.PathLike[str]) -> None:
    """``os.makedirs(exist_ok=True)`` with an error that names the path (a file in the way, no permission)."""
    os.makedirs(path, exist_ok=True)


def open_up(path: str | os.PathLike[str]) -> None:
    """Give a folder made by :func:`tempfile.mkdtemp` (mode 0700) the umask's usual mode (0755 typically).

    Output folders are read by other accounts (a 3PL's, a web server's).
    """
    os.chmod(path, 0o777 & ~current_umask())


def local_folder(out: str, flag: str = "--out") -> Path:
    """The local folder a command-line output location names; ``file://`` URLs become their path.

    Commands that write a plan folder (``plan``, ``pack``, ``wave run``) write
    local files and move them into place atomically; other schemes (``s3://``,
    ``gs://`` ...) are refused with a message, never written as a local folder
    named after the URL. (The ``wave_planning`` DAG writes to any fsspec URL.)

    >>> local_folder("file:///srv/waves/W1"), local_folder("out")
    (PosixPath('/srv/waves/W1'), PosixPath('out'))
    >>> try:
    ...     local_folder("s3://bucket/x")
    ... except InputError as exc:
    ...     print(str(exc)[:45])
    --out: s3:// URLs are not written by this com
    """
    scheme, sep, rest = out.partition("://")
    if not sep:
        return Path(out)
    if scheme == "file":
        if rest.startswith("/") or not rest:
            return Path(rest or "/")
        raise InputError([Problem(flag, f"{out!r}: a file:// URL needs an absolute path (file:///...)")])
    raise InputError([Problem(flag, f"{scheme}:// URLs are not written by this command: give a local folder "
                                    f"(the wave_planning DAG writes to {scheme}://)")])


def write_folder(folder: str | os.PathLike[str], files: Mapping[str, str | bytes]) -> None:
    """Create the local folder ``folder`` holding ``files`` (relative name -> content) in one rename.

    Every file is written in a temporary sibling first, so the folder either
    does not exist or is complete. ``folder`` must not exist.
    """
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=TMP_MARK, dir=target.parent))
    try:
        open_up(tmp)  # mkdtemp makes it 0700; other accounts read output folders
        for name, data in files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        # One sync for the whole folder, not an fsync per file (24 s for a 10,000-order wave's 4,381 files
        # on this machine): the store may already say the wave is released, so its files must outlast a
        # power cut, not only a killed process.
        os.sync()
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
