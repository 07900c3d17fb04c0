"""YAML configuration files read into pydantic models, with errors a user can act on.

Every configuration file of parbook (rules, indicators, the plan, the criteria, the check
catalogue, import profiles, the report header…) has a pydantic model next to the code that uses
it; :func:`load_yaml` reads the file and validates it. A mistake is reported as a
:class:`ConfigError` that names the file, the place inside it (``requirements[4].measures[1].kind``,
counting list items from 1 as a reader does) and what was expected.

>>> from pydantic import BaseModel
>>> class Limits(BaseModel):
...     days: int
>>> try:
...     validate({"days": "many"}, Limits, "limits.yaml")
... except ConfigError as exc:
...     print(exc)
limits.yaml có lỗi (configuration errors):
- days: cần một số nguyên (expected an integer), gặp 'many'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from parbook.errors import ParbookError
from parbook.store.config import REFERENCE_DIR

M = TypeVar("M", bound=BaseModel)

# pydantic error type → what was expected, in Vietnamese (English in brackets)
EXPECTED_VI = {
    "int_parsing": "cần một số nguyên (expected an integer)",
    "int_type": "cần một số nguyên (expected an integer)",
    "float_parsing": "cần một số (expected a number)",
    "float_type": "cần một số (expected a number)",
    "bool_parsing": "cần true/false (expected true or false)",
    "bool_type": "cần true/false (expected true or false)",
    "string_type": "cần một chuỗi văn bản (expected a text)",
    "list_type": "cần một danh sách (expected a list)",
    "dict_type": "cần một mục có các khóa (expected a mapping)",
    "missing": "thiếu mục bắt buộc (required, missing)",
    "extra_forbidden": "khóa không hợp lệ (unknown key)",
    "literal_error": "giá trị không được phép (not an allowed value)",
    "date_from_datetime_parsing": "cần ngày yyyy-mm-dd (expected a date)",
    "date_parsing": "cần ngày yyyy-mm-dd (expected a date)",
    "time_parsing": "cần giờ HH:MM:SS (expected a time)",
}


class ConfigError(ParbookError):
    """A configuration file that parbook cannot use; the message lists every problem found."""


class Strict(BaseModel):
    """Base of the configuration models: unknown keys are mistakes, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(toàn tệp — whole file)"


def describe(exc: ValidationError) -> list[str]:
    """One line per problem: place, what was expected, what was found."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        expected = EXPECTED_VI.get(err["type"])
        message = expected or str(err["msg"]).removeprefix("Value error, ")
        if expected and err["type"] == "literal_error":
            message += f": {err.get('ctx', {}).get('expected', '')}"
        found = "" if err["type"] == "missing" else f", gặp {err.get('input')!r}"
        lines.append(f"{_where(loc)}: {message}{found}")
    return lines


def validate(raw: Any, model: type[M], name: str) -> M:
    """The model of already-read data; ConfigError naming ``name`` on any problem."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{name} có lỗi (configuration errors):\n- " + "\n- ".join(describe(exc))
                          ) from None


def read_yaml(path: Path) -> Any:
    """The data of a YAML file; ConfigError naming the file (and line) if unreadable."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Không có tệp cấu hình {path} (configuration file not found)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" dòng {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{Path(path).name}{line}: YAML không đọc được (invalid YAML): "
                          f"{getattr(exc, 'problem', exc)}") from None


def load_yaml(path: Path, model: type[M]) -> M:
    """Read and validate a YAML file."""
    return validate(read_yaml(path), model, Path(path).name)


@cache
def reference(name: str, model: type[M]) -> M:
    """A validated file of data/reference/ (cached per process)."""
    return load_yaml(REFERENCE_DIR / name, model)
