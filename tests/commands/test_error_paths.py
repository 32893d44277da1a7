"""Where a one-line message is promised (issue 14): flags, output locations, stores, pipes, modes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.synth import SynthParams, generate, write_instance


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    inst = generate(SynthParams(blocks=1, aisles=6, slots_per_side=8, skus=30, orders=12), seed=5)
    return write_instance(inst, tmp_path_factory.mktemp("in"))


def plan(paths: dict[str, Path], out: str, *extra: str) -> list[str]:
    return ["-q", "plan", "--layout", str(paths["layout"]), "--skus", str(paths["skus"]), "--inventory",
            str(paths["inventory"]), "--orders", str(paths["orders"]), "--boxes", str(paths["boxes"]),
            "--config", str(paths["wave"]), "--out", out, "--max-iterations", "10", *extra]


def one_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(("flag", "value"), [("--time-limit", "0"), ("--time-limit", "nan"),
                                             ("--time-limit", "-3"), ("--max-iterations", "-1")])
def test_bad_override_names_the_flag(inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     flag: str, value: str) -> None:
    assert main(plan(inputs, str(tmp_path / "o"), flag, value)) == 2
    assert one_error(capsys).startswith(f"error: {flag}:")


def test_out_that_is_a_file(inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_text("x")
    assert main(plan(inputs, str(tmp_path / "f"))) == 2
    assert "Not a directory" in one_error(capsys)
    assert main(plan(inputs, str(tmp_path / "f" / "sub"))) == 2
    assert "File exists" in one_error(capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_read_only(inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    assert main(plan(inputs, str(ro / "x"))) == 2
    assert "Permission denied" in one_error(capsys)


def test_full_disk_is_one_line(inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.commands.plan as plan_command

    def full(*_: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "o" / "picklists.csv"))

    monkeypatch.setattr(plan_command, "write_plan", full)
    assert main(plan(inputs, str(tmp_path / "o"))) == 1
    assert one_error(capsys).endswith("picklists.csv: No space left on device")


@pytest.mark.parametrize("url", ["s3://bucket/x", "gs://b/x", "file://relative/x"])
def test_unsupported_output_urls_are_refused(inputs: dict[str, Path], tmp_path: Path, url: str,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(plan(inputs, url)) == 2
    assert one_error(capsys).startswith("error: --out:")
    assert list(tmp_path.iterdir()) == []  # no local folder named after the URL


def test_file_url_writes_its_path_with_the_umask_modes(inputs: dict[str, Path], tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert main(plan(inputs, f"file://{tmp_path / 'w'}")) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "w").stat().st_mode) == 0o755
    assert {stat.S_IMODE(f.stat().st_mode) for f in (tmp_path / "w").iterdir()} == {0o644}


def test_header_only_boxes_refused_alike(inputs: dict[str, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    boxes = tmp_path / "boxes.csv"
    boxes.write_text(inputs["boxes"].read_text().splitlines()[0] + "\n")
    paths = {**inputs, "boxes": boxes}
    assert main(plan(paths, str(tmp_path / "o"))) == 2
    assert "no usable box" in capsys.readouterr().err
    assert main(["-q", "pack", "--skus", str(inputs["skus"]), "--boxes", str(boxes), "--orders",
                 str(inputs["orders"]), "--out", str(tmp_path / "p")]) == 2
    assert "no usable box" in capsys.readouterr().err
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{tmp_path / 's.db'}")
    assert main(["-q", "catalog", "import", "--layout", str(inputs["layout"]), "--skus", str(inputs["skus"]),
                 "--inventory", str(inputs["inventory"]), "--boxes", str(boxes)]) == 2
    assert "no usable box" in capsys.readouterr().err


def test_yaml_alias_bomb_refused_at_once(inputs: dict[str, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "layout.yaml"
    bomb.write_text("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)) + "name: *i\n")
    assert main(plan({**inputs, "layout": bomb}, str(tmp_path / "o"))) == 2  # refused before building (was 2.3 GB)
    assert "YAML aliases (*a) are not accepted" in capsys.readouterr().err


@pytest.mark.parametrize(("url", "code", "fragment"), [
    ("nonsense://x", 2, "not a usable database URL"),
    ("postgresql+psycopg://nobody@127.0.0.1:1/none", 1, "the store cannot be used"),
])
def test_bad_store_url_is_one_line(url: str, code: int, fragment: str, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKWAVE_DB_URL", url)
    assert main(["orders", "list"]) == code
    assert fragment in one_error(capsys)


def test_orders_list_into_a_closed_pipe(inputs: dict[str, Path], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    env = {**os.environ, "PICKWAVE_DB_URL": db}
    many = tmp_path / "many.csv"
    many.write_text("order_id,sku,qty,created_at,payment_status\n"
                    + "".join(f"O{i:06d},SKU00001,1,2026-11-20,captured\n" for i in range(5000)))
    subprocess.run([sys.executable, "-m", "engine.cli", "-q", "orders", "import", str(many)], env=env, check=True,
                   capture_output=True)
    lister = subprocess.Popen([sys.executable, "-m", "engine.cli", "orders", "list"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert lister.stdout is not None and lister.stderr is not None
    lister.stdout.readline()
    lister.stdout.close()  # what `| head -1` does
    err = lister.stderr.read().decode()
    assert lister.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_ship_by_past_the_last_instant_holds_the_order(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKWAVE_DB_URL", f"sqlite:///{tmp_path / 's.db'}")
    f = tmp_path / "o.csv"
    f.write_text("order_id,sku,qty,created_at,payment_status,ship_by\n"
                 "A,S1,1,2026-11-20,captured,9999-12-31T23:59:59-05:00\nB,S1,1,2026-11-20,captured,\n")
    assert main(["orders", "import", str(f)]) == 0
    out = capsys.readouterr().out
    assert "2 new" in out and "1 on hold" in out
