"""Every input file, mutated as a hostile tester would: exit 0 or 2, never a traceback, nothing lost.

For each mutation of :mod:`tests.hostile.mutations` (columns, encodings,
separators, quoting, numbers, dates, ids, YAML) the mutated file replaces the
good one and the commands that read it run in this process through
``engine.cli.main``: ``plan`` for every file, ``pack`` for orders, SKUs and
boxes, and ``orders import`` / ``catalog import`` into a fresh SQLite store.
Each run must

* exit 0 or 2 — any exception escaping ``main`` is a failure, and so is a
  ``Traceback`` on stderr;
* on exit 2, say ``error:`` naming the mutated file (or the flag) at fault;
* on a ``plan`` that exits 0, account for every order of the input exactly
  once: in ``picklists.csv`` or in ``held.csv``, never both, never neither,
  and each released order with the full quantity of every line.

The wave is small (12 orders, ``max_iterations`` 20) so the few hundred runs take
a minute or two.
"""

from __future__ import annotations

import csv
import io
import re
import traceback
from collections import defaultdict
from pathlib import Path

import pytest

from engine.cli import main
from engine.packing.io import printable
from engine.synth import SynthParams, generate, write_instance
from tests.hostile.mutations import TABLE, Mutation

PACK_READS = ("orders", "skus", "boxes")
CASES = [(file, m) for file, ms in TABLE.items() for m in ms]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    inst = generate(SynthParams(blocks=1, aisles=6, slots_per_side=8, skus=30, orders=12), seed=3)
    paths = write_instance(inst, tmp_path_factory.mktemp("base"))
    wave = paths["wave"]
    wave.write_text(wave.read_text().replace("time_limit_s: 60.0", "time_limit_s: 5.0") + "max_iterations: 20\n")
    return paths


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    except BaseException:
        pytest.fail(f"pickwave {' '.join(argv[:2])} raised:\n{traceback.format_exc()}")
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert code in (0, 2), f"exit {code}: {err}"
    return code, err


def orders_in(path: Path) -> dict[str, dict[str, int]] | None:
    """Order id -> SKU -> units as the input file states them, or None when the file is not plain CSV."""
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None
    if not rows:
        return None
    head = [h.strip() for h in rows[0]]
    if "order_id" not in head:
        return None
    k = head.index("order_id")
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows[1:]:
        if len(r) > k and r[k].strip():
            cells = dict(zip(head, r, strict=False))
            sku, qty = (cells.get("sku") or "").strip(), (cells.get("qty") or "").strip()
            line = out[printable(r[k].strip())]  # held.csv writes control characters as \xNN
            if re.fullmatch(r"[+-]?[0-9]+(\.0*)?", qty):  # the rule of engine.io.csvtable.Row.integer
                line[sku] = line.get(sku, 0) + int(qty.split(".")[0])
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def check_accounting(orders_file: Path, out: Path) -> None:
    expected = orders_in(orders_file)
    picks = read_csv(out / "picklists.csv")
    held = {r["order_id"] for r in read_csv(out / "held.csv")}
    picked: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in picks:
        picked[p["order_id"]][p["sku"]] += int(p["qty"])
    assert not set(picked) & held, f"released and held: {set(picked) & held}"
    for text in list(picked) + list(held):
        assert "\x00" not in text, "NUL byte in an output CSV"
    if expected is None:
        return
    assert set(picked) | held == set(expected), (
        f"lost: {set(expected) - set(picked) - held}, invented: {(set(picked) | held) - set(expected)}")
    for oid, got in picked.items():
        assert dict(got) == expected[oid], f"order {oid}: picked {dict(got)}, ordered {expected[oid]}"


def named(err: str, file: Path, m: Mutation) -> None:
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert lines, f"exit 2 with no error line: {err!r}"
    assert any(str(file) in ln for ln in lines), f"{m.name}: no error names {file.name}: {lines}"


@pytest.mark.parametrize(("file", "m"), CASES, ids=[f"{f}:{m.family}:{m.name}" for f, m in CASES])
def test_mutated_input(file: str, m: Mutation, base: dict[str, Path], tmp_path: Path,
                       capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    paths = dict(base)
    bad = tmp_path / base[file].name
    bad.write_bytes(m.apply(base[file].read_text(encoding="utf-8")))
    paths[file] = bad
    out = tmp_path / "plan"
    code, err = run(["-q", "plan", "--layout", str(paths["layout"]), "--skus", str(paths["skus"]),
                     "--inventory", str(paths["inventory"]), "--orders", str(paths["orders"]),
                     "--boxes", str(paths["boxes"]), "--config", str(paths["wave"]), "--out", str(out),
                     "--workers", "1"], capsys)
    if code == 2:
        named(err, bad, m)
        assert not (out / "summary.json").exists()
    else:
        check_accounting(paths["orders"], out)
    if file in PACK_READS:
        code, err = run(["-q", "pack", "--skus", str(paths["skus"]), "--boxes", str(paths["boxes"]),
                         "--orders", str(paths["orders"]), "--out", str(tmp_path / "pack")], capsys)
        if code == 2:
            named(err, bad, m)
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{tmp_path / 'store.db'}")
    if file == "orders":
        code, err = run(["-q", "orders", "import", str(bad)], capsys)
        if code == 2:
            named(err, bad, m)
    elif file != "wave":
        code, err = run(["-q", "catalog", "import", "--layout", str(paths["layout"]), "--skus", str(paths["skus"]),
                         "--inventory", str(paths["inventory"]), "--boxes", str(paths["boxes"])], capsys)
        if code == 2:
            named(err, bad, m)
