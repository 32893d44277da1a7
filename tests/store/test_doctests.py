"""The examples in the store's docstrings are tests too."""

import doctest
import importlib

import pytest

MODULES = ["engine.store.lifecycle", "engine.store.reserve", "engine.store.store", "engine.store.intake",
           "engine.store.urls"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
