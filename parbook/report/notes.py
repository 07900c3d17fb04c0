"""What staff add to a quarter's report before the final run: the per-period notes file.

The report drafts every section from the data; what only people know — the causes of the
shortcomings, proposals to the district or province, extra results and tasks, the report's
number and signing date — comes from ``<outputs>/<unit>/<period>.ghi-chu.yaml``, next to the
outputs folder (which each run replaces). The first run writes an empty, commented file there;
staff fill it in and run ``parbook report`` again.

>>> notes = ReportNotes.model_validate({"number": "15", "causes": ["Thiếu cán bộ một cửa."]})
>>> notes.number, notes.causes
('15', ('Thiếu cán bộ một cửa.',))
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import field_validator

from parbook.store.settings import Strict, load_yaml

SUFFIX = ".ghi-chu.yaml"
TEMPLATE = """\
# Ghi chú của kỳ báo cáo — cán bộ điền trước khi chạy báo cáo chính thức.
# Mỗi mục là một danh sách các câu (mỗi câu một dòng bắt đầu bằng "- "); để trống nếu không có.
# Sau khi điền, chạy lại: parbook report --unit {unit} --period {period}

# Số của báo cáo (ví dụ "15"); để trống thì in "Số:      /BC-UBND" để điền tay.
number: ""
# Ngày ký báo cáo, dạng yyyy-mm-dd; để trống là ngày lập báo cáo.
signing_date:
# Nguyên nhân của tồn tại, hạn chế (mục II).
causes: []
# Kết quả khác muốn nêu thêm (mục I).
extra_results: []
# Phương hướng, nhiệm vụ quý tới thêm ngoài phần tự động (mục III).
extra_tasks: []
# Đề xuất, kiến nghị với cấp trên (mục IV).
proposals: []
"""


class ReportNotes(Strict):
    """The notes file of one period."""

    number: str = ""
    signing_date: date | None = None
    causes: tuple[str, ...] = ()
    extra_results: tuple[str, ...] = ()
    extra_tasks: tuple[str, ...] = ()
    proposals: tuple[str, ...] = ()

    @field_validator("causes", "extra_results", "extra_tasks", "proposals", mode="before")
    @classmethod
    def _no_blanks(cls, value: object) -> object:
        if value is None:
            return ()
        if isinstance(value, list | tuple):
            return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
        return value

    @field_validator("number", mode="before")
    @classmethod
    def _number_text(cls, value: object) -> str:
        return "" if value is None else str(value).strip()


def notes_path(outputs_folder: Path) -> Path:
    """The notes file of an outputs folder: ``<folder>.ghi-chu.yaml`` beside it."""
    return outputs_folder.parent / f"{outputs_folder.name}{SUFFIX}"


def read_notes(path: Path | str | None) -> ReportNotes:
    """The notes of the file (empty notes when there is none)."""
    if not path or not Path(path).is_file():
        return ReportNotes()
    return load_yaml(Path(path), ReportNotes)


def ensure_notes_file(path: Path, unit: str, period: str) -> bool:
    """Write the commented template if the file does not exist; True when written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(unit=unit, period=period), encoding="utf-8")
    return True
