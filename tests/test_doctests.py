"""The examples in the package's docstrings are true."""

import doctest
import importlib
import pkgutil

import pytest

import parbook

MODULES = [m.name for m in pkgutil.walk_packages(parbook.__path__, "parbook.")
           if not m.name.endswith("__main__")]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0, name
