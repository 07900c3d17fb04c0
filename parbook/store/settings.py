"""YAML configuration files read into pydantic models, with errors a user can act on.

Every configuration file of parbook (rules, indicators, the plan, the criteria, the check
catalogue, import profiles, the report header…) has a pydantic model next to the code that uses
it; :func:`load_yaml` reads the file and validates it. A mistake is reported as a
:class:`ConfigError` that names the file, the place inside it (``requirements[4].measures[1].kind``,
counting list items from 1 as a reader does) and what was expected.

Rules that need the meaning of the data (a code that must exist elsewhere, points that must add
up) are validators of the models. A validator that can find several problems at once hands them
to :func:`report`: :func:`validate` lists them after pydantic's own, so that a file's problems are
all reported together — a part whose structure is wrong is not checked further, the others are.

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
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, ValidationInfo
from pydantic import Strict as StrictInput

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
    "tuple_type": "cần một danh sách (expected a list)",
    "dict_type": "cần một mục có các khóa (expected a mapping)",
    "model_type": "cần một mục có các khóa (expected a mapping)",
    "string_too_short": "không được để trống (must not be blank)",
    "missing": "thiếu mục bắt buộc (required, missing)",
    "extra_forbidden": "khóa không hợp lệ (unknown key)",
    "literal_error": "giá trị không được phép (not an allowed value)",
    "date_from_datetime_parsing": "cần ngày yyyy-mm-dd (expected a date)",
    "date_parsing": "cần ngày yyyy-mm-dd (expected a date)",
    "time_parsing": "cần giờ HH:MM:SS (expected a time)",
}

# PyYAML's safe loader in C (libyaml) where the wheel has it: the same data, ~15× faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConfigError(ParbookError):
    """A configuration file that parbook cannot use; the message lists every problem found."""


class Strict(BaseModel):
    """Base of the configuration models: unknown keys are mistakes, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A text that must not be blank (surrounding spaces removed)."""
Number = Annotated[float, StrictInput()]
"""A number as YAML writes it (2, 0.95), not a text ("0.95") nor true/false."""
Count = Annotated[int, StrictInput()]
"""A whole number as YAML writes it (2024), not a text ("2024") nor true/false."""

PROBLEMS = "problems"


def report(info: ValidationInfo, problems: list[str]) -> None:
    """Hand the problems a validator found to :func:`validate`, which lists them with the file's
    other problems; without that collector (a model validated directly) they are raised."""
    if not problems:
        return
    sink = (info.context or {}).get(PROBLEMS)
    if sink is None:
        raise ValueError("; ".join(problems))
    sink.extend(problems)


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
        # a whole mapping (a model's own rule) is named by its place, not printed
        found = "" if err["type"] == "missing" or isinstance(err.get("input"), dict) \
            else f", gặp {err.get('input')!r}"
        lines.append(f"{_where(loc)}: {message}{found}")
    return lines


def validate(raw: Any, model: type[M], name: str, error: type[ConfigError] = ConfigError) -> M:
    """The model of already-read data; ``error`` (a ConfigError) naming ``name`` and listing every
    problem: pydantic's, then those the validators :func:`report`."""
    problems: list[str] = []
    try:
        result = model.model_validate(raw, context={PROBLEMS: problems})
    except ValidationError as exc:
        problems[:0] = describe(exc)
    if problems:
        raise error(f"{name} có lỗi (configuration errors):\n- " + "\n- ".join(problems))
    return result


def read_yaml(path: Path, error: type[ConfigError] = ConfigError) -> Any:
    """The data of a YAML file; ``error`` naming the file (and line) if unreadable."""
    try:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506
    except FileNotFoundError:
        raise error(f"Không có tệp cấu hình {path} (configuration file not found)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" dòng {mark.line + 1}" if mark is not None else ""
        raise error(f"{Path(path).name}{line}: YAML không đọc được (invalid YAML): "
                    f"{getattr(exc, 'problem', exc)}") from None


def load_yaml(path: Path, model: type[M], error: type[ConfigError] = ConfigError) -> M:
    """Read and validate a YAML file."""
    return validate(read_yaml(path, error), model, Path(path).name, error)


@cache
def reference(name: str, model: type[M]) -> M:
    """A validated file of data/reference/ (cached per process)."""
    return load_yaml(REFERENCE_DIR / name, model)
