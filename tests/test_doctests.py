"""The examples in the package's docstrings are true (only modules that have examples)."""

import doctest
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import parbook


def _with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(parbook.__path__, "parbook."):
        spec = importlib.util.find_spec(info.name)
        if spec and spec.origin and ">>> " in Path(spec.origin).read_text(encoding="utf-8"):
            names.append(info.name)
    return names


MODULES = _with_examples()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0, name
