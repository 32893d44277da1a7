"""A real pick sheet opened in headless Chromium: a screenshot, and printed to PDF on A4 and on Letter.

Skips only when no Chromium is installed (``apt-get install -y chromium``;
``.ci/run`` installs it, so CI runs this test).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from engine.model import Method, WaveConfig
from engine.publish import render_wave
from engine.synth import SynthParams, generate
from engine.wave import WaveProblem, plan_wave

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="headless Chromium is not installed "
                                "(apt-get install -y chromium); .ci/run installs it")
#: Page size in PDF points of each paper the sheet must print on.
PAPER = {"A4": (595, 842), "letter": (612, 792)}


def _chromium(*args: str, cwd: Path) -> None:
    assert BROWSER is not None
    subprocess.run([BROWSER, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={cwd / 'profile'}", *args], check=True, cwd=cwd, timeout=120,
                   capture_output=True)


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """The sheet with the most stops of a generated batch wave: its file, batch id and first SKU."""
    inst = generate(SynthParams(blocks=2, aisles=10, slots_per_side=15, skus=120, orders=120), seed=3)
    problem = WaveProblem.build(inst.layout, {s.sku: s for s in inst.skus}, inst.stock, inst.boxes, inst.orders, (),
                                WaveConfig(method=Method.BATCH, max_iterations=200, seed=1), "W-PRINT")
    plan = plan_wave(problem)
    batch = max(plan.batches, key=lambda b: len(b.stops))
    files = render_wave(plan, inst.layout)
    folder = tmp_path_factory.mktemp("sheet")
    path = folder / "sheet.html"
    path.write_text(files[f"sheets/{batch.batch_id}.html"], encoding="utf-8")
    return path, batch.batch_id, batch.picks[0].sku


def test_the_sheet_renders_in_a_browser(sheet: tuple[Path, str, str]) -> None:
    path, _, _ = sheet
    shot = path.parent / "sheet.png"
    _chromium(f"--screenshot={shot}", "--window-size=900,1300", path.as_uri(), cwd=path.parent)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a drawn page, not a blank one


@pytest.mark.parametrize("paper", sorted(PAPER))
def test_the_sheet_prints_on_a4_and_letter(sheet: tuple[Path, str, str], paper: str) -> None:
    import pypdf

    path, batch_id, sku = sheet
    # what the print dialog does when the paper is chosen: the sheet's own @page sets no size
    text = path.read_text(encoding="utf-8").replace("</style>", f"@page{{size:{paper}}}</style>", 1)
    copy = path.parent / f"sheet-{paper}.html"
    copy.write_text(text, encoding="utf-8")
    pdf = path.parent / f"sheet-{paper}.pdf"
    _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", copy.as_uri(), cwd=path.parent)
    reader = pypdf.PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 4
    width, height = (round(float(x)) for x in reader.pages[0].mediabox.upper_right)
    assert (width, height) == PAPER[paper]
    words = " ".join(page.extract_text() for page in reader.pages)
    for expected in ("W-PRINT", batch_id, sku, "Sort slot", "Take", "Done"):
        assert expected in words, expected
