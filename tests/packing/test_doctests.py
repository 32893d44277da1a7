"""The examples in the packing docstrings are tests too."""

import doctest
import importlib

import pytest

MODULES = [
    "engine.packing.params", "engine.packing.geometry", "engine.packing.extreme_points",
    "engine.packing.bounds", "engine.packing.instructions", "engine.packing.verify",
    "engine.packing.solver", "engine.packing.io",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
