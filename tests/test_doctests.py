"""The examples in docstrings are tests too."""

import doctest
import importlib

import pytest

MODULES = [
    "engine.io.csvtable", "engine.io.tables", "engine.io.layout", "engine.io.config",
    "engine.layout.rectangular", "engine.layout.graph", "engine.publish.chunks", "engine.batching.construction",
    "engine.wave.ids", "engine.publish.sheet", "engine.commands.common",
    "engine.intake_3pl.reports", "engine.intake_3pl.checks", "engine.orchestration.settings",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
