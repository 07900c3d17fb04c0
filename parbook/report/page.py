"""The district report (HTML + PDF, NĐ 30/2020 layout) and the auditors' HTML of each notebook.

DESIGN.md §10: nbconvert's ``basic`` template renders the executed notebook's cells (for the
district: outputs only, ``exclude_input``), wrapped in parbook's own page — NĐ 30/2020 header
(cơ quan chủ quản, UBND xã, số ký hiệu, quốc hiệu, tiêu ngữ, địa danh và ngày), BÁO CÁO with its
trích yếu, sections, nơi nhận and signature, then the appendices on landscape pages — and print
CSS (A4, NĐ 30 margins, Times New Roman → Liberation Serif, page numbers from page 2). WeasyPrint
renders the PDF in-process and may fetch nothing but ``data:`` URLs.

Cells tagged ``audit-only`` never reach the district report; cells tagged ``appendix`` go after
the signature, each appendix (a markdown cell and the cells after it) on its own page. The page
carries a Content-Security-Policy that forbids scripts and any network fetch.
"""

from __future__ import annotations

import copy
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

from pydantic import field_validator

from parbook import vnformat
from parbook.law.regimes import all_regimes, regime_on
from parbook.report.notes import ReportNotes
from parbook.report.templating import environment, render
from parbook.store.settings import Strict, reference
from parbook.timeline.periods import Window

AUDIT_ONLY = "audit-only"
APPENDIX = "appendix"
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")


@dataclass
class ReportHeader:
    """Who issues the report and who signs it (data/reference/report_header.yaml)."""

    parent_agency: str
    issuer: str
    place: str
    number: str
    symbol: str
    report_date: date | None
    subject: str
    recipients_to: str
    signer_authority: str
    signer_title: str
    signer_name: str
    recipients: list[str] = field(default_factory=list)
    note: str = ""
    issuer_name: str = ""  # in running text: "Ủy ban nhân dân xã An Lộc"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the kernel hands the header to the host through the run info)."""
        out = asdict(self)
        out["report_date"] = None if self.report_date is None else self.report_date.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportHeader:
        when = data.get("report_date")
        return cls(**{**data, "report_date": date.fromisoformat(when) if when else None})

    @property
    def number_line(self) -> str:
        return f"Số: {vnformat.doc_number(self.number)}/{self.symbol}"

    @property
    def place_date(self) -> str:
        if self.report_date is None:
            gap = "\u00a0" * 5
            return f"{self.place}, ngày {gap} tháng {gap} năm {gap}"
        return f"{self.place}, {vnformat.long_date(self.report_date)}"


def _without_note(name: Any) -> str:
    """'Xã An Lộc (mô phỏng)' → 'Xã An Lộc'."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", str(name or "")).strip()


UNIT_KINDS = ("thị trấn", "xã", "phường", "đặc khu")
_PEOPLES_COMMITTEE = re.compile(r"^(ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+", re.I)


def unit_kind_and_place(unit_name: Any) -> tuple[str, str]:
    """The kind of commune-level unit and its place name, from the forms people type.

    >>> unit_kind_and_place("UBND xã An Lộc")
    ('xã', 'An Lộc')
    >>> unit_kind_and_place("Phường Vĩnh Ninh (mô phỏng)")
    ('phường', 'Vĩnh Ninh')
    >>> unit_kind_and_place("An Lộc")
    ('xã', 'An Lộc')
    """
    name = _PEOPLES_COMMITTEE.sub("", _without_note(unit_name)).strip()
    for kind in UNIT_KINDS:
        if name.casefold().startswith(kind + " "):
            return kind, name[len(kind) + 1:].strip()
    return "xã", name


def _short_name(unit_name: Any) -> str:
    """'UBND xã An Lộc (mô phỏng)' → 'An Lộc' (the place name of the date line)."""
    return unit_kind_and_place(unit_name)[1]


def province_in_sentence(province: Any) -> str:
    """The province as a sentence names it after "Ủy ban nhân dân".

    >>> province_in_sentence("Thừa Thiên Huế"), province_in_sentence("Thành phố Huế")
    ('tỉnh Thừa Thiên Huế', 'thành phố Huế')
    >>> province_in_sentence("Tỉnh Quảng Trị (mô phỏng)"), province_in_sentence(None)
    ('tỉnh Quảng Trị', 'tỉnh')
    """
    name = _without_note(province)
    kind = re.match(r"(tỉnh|thành phố)\s+", name, flags=re.IGNORECASE)
    if kind:
        return f"{kind.group(1).lower()} {name[kind.end():]}"
    return f"tỉnh {name}".strip()


def _fill(text: Any, values: dict[str, str]) -> str:
    return str(text or "").format_map(values).strip()


class HeaderSpec(Strict):
    """The header of a report as written in report_header.yaml (placeholders not filled yet)."""

    parent_agency: str | None = None
    issuer: str | None = None
    place: str | None = None
    number: str | None = None
    symbol: str | None = None
    date: str | None = None
    subject: str | None = None
    recipients_to: str | None = None
    signer_authority: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    recipients: tuple[str, ...] | None = None
    note: str | None = None
    issuer_name: str | None = None
    one_stop_unit: str | None = None

    @field_validator("date")
    @classmethod
    def _date_word(cls, value: str | None) -> str | None:
        if value is not None and value not in ("auto", "as_of", "blank"):
            date.fromisoformat(value)       # ValueError: "Invalid isoformat string"
        return value


class UnitHeaderSpec(HeaderSpec):
    """A unit's entries, and its own entries per legal regime (over them)."""

    regimes: dict[str, HeaderSpec] = {}

    @field_validator("regimes")
    @classmethod
    def _known_regimes(cls, value: dict[str, HeaderSpec]) -> dict[str, HeaderSpec]:
        known = [r.id for r in all_regimes()]
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise ValueError(f"chế độ pháp lý không có trong regimes.yaml (unknown regime): "
                             f"{', '.join(unknown)}; có: {', '.join(known)}")
        return value


class HeaderFile(Strict):
    """report_header.yaml: defaults, and each unit's own entries over them."""

    defaults: HeaderSpec
    units: dict[str, UnitHeaderSpec] = {}


def report_header(unit: dict[str, Any], window: Window, notes: ReportNotes | None = None,
                  made_on: date | None = None, data_after_as_of: bool = False) -> ReportHeader:
    """The header of the unit: its entry of report_header.yaml over the legal regime of the
    window's end (addressee, recipients, one-stop unit: regimes.yaml) over the defaults, the
    unit's entry for that regime last; then the period's notes (report number, signing date).

    Placeholders of the defaults come from the units table: {unit_name} ("XÃ AN LỘC" from "UBND
    xã An Lộc", "Xã An Lộc" or "An Lộc"), {district}, {district_lower}, {province},
    {short_name} ("An Lộc"), {period_label}. The signing date: the notes' date, else the
    configured one; "auto" (the default) is the day the report is made (``made_on``) when the
    data holds events after the as-of date — a report is signed after its data are in — and the
    as-of date otherwise.
    """
    config = reference("report_header.yaml", HeaderFile)
    own = config.units.get(str(unit.get("unit_code")))
    regime = regime_on(window.end)
    own_regime = own.regimes.get(regime.id) if own else None
    spec = {**config.defaults.model_dump(exclude_none=True),
            **regime.report.model_dump(), "one_stop_unit": regime.one_stop_unit,
            **(own.model_dump(exclude_none=True, exclude={"regimes"}) if own else {}),
            **(own_regime.model_dump(exclude_none=True) if own_regime else {})}
    kind, place = unit_kind_and_place(unit.get("unit_name") or unit.get("unit_code"))
    district = _without_note(unit.get("district")) or "huyện"
    values = {
        "unit_name": f"{kind} {place}".upper(),
        "district": district.upper(),
        "district_lower": district[:1].lower() + district[1:],
        "province": unit.get("province") or "",
        "province_lower": province_in_sentence(unit.get("province")),
        "one_stop_unit": str(spec["one_stop_unit"]),
        "short_name": place or str(unit.get("unit_code")),
        "kind": kind,
        "period_label": vnformat.in_sentence(window.label_vi()),
    }
    notes = notes or ReportNotes()
    when = str(spec.get("date", "auto")).strip()
    if notes.signing_date is not None:
        report_date: date | None = notes.signing_date
    elif when == "auto":
        report_date = (made_on or date.today()) if data_after_as_of else window.as_of
    elif when == "as_of":
        report_date = window.as_of
    elif when == "blank":
        report_date = None
    else:
        report_date = date.fromisoformat(when)
    return ReportHeader(
        parent_agency=_fill(spec.get("parent_agency"), values).upper(),
        issuer=_fill(spec.get("issuer"), values).upper(),
        place=_fill(spec.get("place"), values),
        number=notes.number or str(spec.get("number") or ""),
        symbol=_fill(spec.get("symbol") or "BC-UBND", values),
        report_date=report_date,
        subject=" ".join(_fill(spec.get("subject"), values).split()),
        recipients_to=_fill(spec.get("recipients_to"), values),
        signer_authority=_fill(spec.get("signer_authority"), values).upper(),
        signer_title=_fill(spec.get("signer_title"), values).upper(),
        signer_name=_fill(spec.get("signer_name"), values),
        recipients=[_fill(r, values) for r in spec.get("recipients", [])],
        note=_fill(spec.get("note"), values),
        issuer_name=_fill(spec.get("issuer_name") or "Ủy ban nhân dân {kind} {short_name}", values),
    )


# ------------------------------------------------------------------------------------------------
# notebook → HTML fragments


# Filters of nbconvert's templates whose result depends only on their arguments (and, for the
# highlighter, its lexer): the code cells' highlighted source (Pygments, then bleach's clean_html)
# is the same for every commune, and is computed once per process.
MEMO_FILTERS = ("highlight_code", "clean_html")
MEMO_SIZE = 4096


class _MemoFilter:
    """A template filter computed once per distinct argument (least recently used dropped past
    MEMO_SIZE). Of a cell's metadata only ``magics_language`` reaches the highlighter, so only it
    is part of the key (papermill's timings in the metadata differ at every run)."""

    def __init__(self, name: str, inner: Any) -> None:
        self.name, self.inner = name, inner
        setting = (getattr(inner, "pygments_lexer", None),
                   repr(sorted(getattr(inner, "extra_formatter_options", {}).items())))
        self._call = _memo_table(name, setting, lru_cache(maxsize=MEMO_SIZE)(self._compute))

    def _compute(self, source: Any, language: Any, magics: Any) -> str:
        if self.name == "highlight_code":
            return str(self.inner(source, language, {"magics_language": magics} if magics else None))
        return str(self.inner(source))

    def __call__(self, source: Any, language: Any = None, metadata: Any = None) -> Any:
        if not isinstance(source, str):          # bytes (an SVG output): not memoised
            return self.inner(source) if self.name == "clean_html" else self.inner(
                source, language, metadata)
        magics = (metadata or {}).get("magics_language") if self.name == "highlight_code" else None
        return self._call(source, language, magics)


_MEMO_TABLES: dict[tuple[str, Any], Any] = {}


def _memo_table(name: str, setting: Any, fresh: Any) -> Any:
    """One memo per filter and setting for the process (HTMLExporter makes a new highlighter for
    every notebook it converts)."""
    return _MEMO_TABLES.setdefault((name, setting), fresh)


# nbconvert's HTMLExporter ends by parsing its page with BeautifulSoup (html.parser) and writing it
# out again — alt text on images without one, tabindex on JupyterLab's cells — which took half of
# an audit page's time. The classic template writes one top-level <div class="cell …"> per cell;
# a piece of the page that html.parser reads to its end at the top level (nothing left open, no
# construct cut, every element closed) is written out by BeautifulSoup the same whether alone or
# within the page, so each distinct piece is parsed once per process: the cells whose output does
# not depend on the commune (code, headings, text) are not parsed again. A page with a piece that
# is not self-contained, or with JupyterLab's classes (whose tabindex depends on an ancestor), is
# parsed whole, as nbconvert does.
_CELL_START = re.compile(r'(?=<div\b[^<>]*\bclass="cell border-box-sizing )')
NO_ALT = "No description has been provided for this image"     # nbconvert's text
PIECES_MEMO = 512


def _soup(markup: str, builder: Any = None) -> Any:
    from bs4 import BeautifulSoup

    if builder is None:
        return BeautifulSoup(markup, features="html.parser")
    return BeautifulSoup(markup, builder=builder)


def _with_alt(soup: Any) -> int:
    """nbconvert's alt text on images without one; their number."""
    missing = 0
    for elem in soup.select("img:not([alt])"):
        elem.attrs["alt"] = NO_ALT
        missing += 1
    return missing


def _whole_page(html: str) -> tuple[str, int]:
    """nbconvert's post-processing of a whole page (HTMLExporter.from_notebook_node)."""
    soup = _soup(html)
    missing = _with_alt(soup)
    for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
        elem.attrs["tabindex"] = "0"
    for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
        elem.attrs["tabindex"] = "0"
    return str(soup), missing


@cache
def _checked_builder() -> type:
    from bs4.builder import HTMLParserTreeBuilder
    from bs4.builder._htmlparser import BeautifulSoupHTMLParser

    class CheckedParser(BeautifulSoupHTMLParser):  # type: ignore[misc]
        def close(self) -> None:
            self.soup.builder.self_contained = (not self.rawdata and self.cdata_elem is None
                                                and len(self.soup.tagStack) == 1)
            super().close()

    class CheckedBuilder(HTMLParserTreeBuilder):  # type: ignore[misc]
        """html.parser's tree builder noting whether the markup ended at its top level."""

        self_contained = False

        def feed(self, markup: Any, _parser_class: Any = CheckedParser) -> None:
            self.self_contained = False
            super().feed(markup, _parser_class=_parser_class)

    return CheckedBuilder


@lru_cache(maxsize=PIECES_MEMO)
def _piece(markup: str) -> tuple[str, int] | None:
    """A self-contained piece of a page as nbconvert's post-processing writes it, with its number
    of images given an alt text; None when the piece is not self-contained."""
    builder = _checked_builder()()
    soup = _soup(markup, builder)
    if not builder.self_contained:
        return None
    missing = _with_alt(soup)
    return str(soup), missing


def post_process(html: str) -> tuple[str, int]:
    """The page as nbconvert's HTMLExporter returns it (see _CELL_START), and the number of images
    it gave an alt text."""
    if "jp-Notebook" in html:
        return _whole_page(html)
    out: list[str] = []
    missing = 0
    for markup in _CELL_START.split(html):
        done = _piece(markup) if markup else ("", 0)
        if done is None:
            return _whole_page(html)
        out.append(done[0])
        missing += done[1]
    return "".join(out), missing


@cache
def _relaxed_validator(version: int, version_minor: int) -> Any:
    from nbformat.validator import get_validator

    return get_validator(version, version_minor, relax_add_props=True)


@cache
def _exporter(with_input: bool) -> Any:
    from nbconvert import HTMLExporter

    class PageExporter(HTMLExporter):  # type: ignore[misc]
        """nbconvert's HTML exporter with the memoised filters (MEMO_FILTERS) and the check of
        the notebook after its preprocessors against a schema compiled once per process
        (nbformat compiles its relaxed schema at every call, ~40 ms per page); a notebook that
        fails the check goes through nbformat's own validation, for its message."""

        def _register_filter(self, environ: Any, name: str, jinja_filter: Any) -> Any:
            done = super()._register_filter(environ, name, jinja_filter)
            if name in MEMO_FILTERS and not isinstance(environ.filters[name], _MemoFilter):
                environ.filters[name] = _MemoFilter(name, environ.filters[name])
            return done

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            """HTMLExporter.from_notebook_node (nbconvert 7.17), its post-processing memoised
            by piece (post_process)."""
            from nbconvert.exporters.templateexporter import TemplateExporter
            from nbconvert.filters.highlight import Highlight2HTML
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html, missing = post_process(html)
            if missing:
                self.log.warning("Alternative text is missing on %s image(s).", missing)
            return html, resources

        def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
            from nbformat.validator import get_version

            validator = _relaxed_validator(*get_version(nbc))
            try:
                validator.validate(nbc)
            except Exception:  # noqa: BLE001 — nbformat's validation raises with its message
                super()._validate_preprocessor(nbc, preprocessor)

    return PageExporter(template_name="basic", exclude_input=not with_input,
                        exclude_input_prompt=not with_input, exclude_output_prompt=True,
                        exclude_anchor_links=True, optimistic_validation=True)


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _without_stderr(cell: Any) -> Any:
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs = [o for o in cell.get("outputs", [])
                        if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return cell


def cells_html(nb: Any, cells: list[Any], with_input: bool) -> str:
    """The basic-template HTML of some cells of a notebook."""
    part = copy.copy(nb)
    part.cells = cells
    body, _resources = _exporter(with_input).from_notebook_node(part)
    return body


def split_district_cells(nb: Any) -> tuple[list[Any], list[list[Any]]]:
    """(body cells, appendices): audit-only, parameters and stderr left out."""
    skip = {AUDIT_ONLY, "parameters", "injected-parameters"}
    body: list[Any] = []
    appendices: list[list[Any]] = []
    for cell in nb.cells:
        tags = _tags(cell)
        if tags & skip:
            continue
        cell = _without_stderr(cell)
        if APPENDIX in tags:
            if cell.cell_type == "markdown" or not appendices:
                appendices.append([])
            appendices[-1].append(cell)
        else:
            body.append(cell)
    return body, appendices


# ------------------------------------------------------------------------------------------------
# pages

PRINT_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm;
        @top-center { content: counter(page); font: 13pt "Times New Roman", "Liberation Serif", serif; } }
@page :first { @top-center { content: none; } }
@page landscape { size: A4 landscape; margin: 20mm 20mm 20mm 25mm; }
html { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; font-size: 14pt;
       line-height: 1.3; color: #000; }
body { margin: 0; background: #fff; }
@media screen { body { padding: 20mm 15mm 20mm 30mm; max-width: 210mm; box-sizing: border-box;
                       box-shadow: 0 0 6px #999; margin: 10px auto; } }
p { margin: 0 0 6pt 0; text-align: justify; text-indent: 1.27cm; }
p.item, p.center, td p { text-indent: 0; }
table.nd30-head { width: 100%; border-collapse: collapse; margin-bottom: 12pt; }
table.nd30-head td { vertical-align: top; text-align: center; padding: 0; }
td.head-left { width: 42%; } td.head-right { width: 58%; }
.parent { font-size: 13pt; } .issuer { font-size: 13pt; font-weight: bold; }
.national { font-size: 12.5pt; font-weight: bold; white-space: nowrap; }
.motto { font-size: 13.5pt; font-weight: bold; }
.rule { border-top: 1px solid #000; margin: 2pt auto 6pt auto; height: 0; }
.rule.short { width: 35%; } .rule.motto-rule { width: 60%; }
.number { font-size: 13pt; margin-top: 4pt; }
.place-date { font-size: 14pt; font-style: italic; margin-top: 4pt; }
h1.doc-type { font-size: 14pt; font-weight: bold; text-align: center; margin: 18pt 0 0 0; }
p.subject { font-weight: bold; text-align: center; text-indent: 0; margin: 0; }
.rule.subject-rule { width: 25%; margin-top: 4pt; }
p.to { text-align: center; text-indent: 0; margin: 6pt 0 12pt 0; }
h2 { font-size: 14pt; font-weight: bold; margin: 12pt 0 6pt 0; text-transform: uppercase; }
h3 { font-size: 14pt; font-weight: bold; margin: 8pt 0 4pt 0; }
h4 { font-size: 14pt; font-style: italic; font-weight: normal; margin: 6pt 0 4pt 0; }
.anchor-link { display: none; }
img { max-width: 100%; display: block; margin: 6pt auto; }
.cell, .output_area, .output_subarea { margin: 0; padding: 0; }
table.parbook-table { border-collapse: collapse; width: 100%; font-size: 11pt; margin: 4pt 0 8pt 0;
                      page-break-inside: auto; }
table.parbook-table th, table.parbook-table td { border: 1px solid #000; padding: 2pt 4pt; }
table.parbook-table th { font-weight: bold; text-align: center; background: #f2f2f2; }
table.parbook-table td.num { text-align: right; white-space: nowrap; }
table.parbook-table caption { caption-side: top; font-weight: bold; padding: 2pt; }
table.parbook-table tr { page-break-inside: avoid; }
p.table-note, td.empty { font-style: italic; text-indent: 0; font-size: 11pt; }
table.bieu06 tbody tr:last-child td { font-weight: bold; }
table.sign { width: 100%; margin-top: 18pt; border-collapse: collapse; page-break-inside: avoid; }
table.sign td { vertical-align: top; padding: 0; }
td.recipients { width: 50%; font-size: 11pt; }
td.recipients .label { font-size: 12pt; font-weight: bold; font-style: italic; }
td.recipients p { margin: 0; text-align: left; }
td.signer { text-align: center; font-weight: bold; }
td.signer p { text-align: center; margin: 0; }
td.signer .name { margin-top: 60pt; }
p.note { font-size: 11pt; font-style: italic; text-indent: 0; margin-top: 18pt; }
section.appendix { page: landscape; break-before: page; max-width: none; }
section.appendix h2 { text-align: center; margin-top: 0; }
section.appendix .text_cell_render p { text-align: center; text-indent: 0; }
section.appendix table.form td:first-child { width: 9mm; text-align: center; }
section.appendix table.form td:nth-child(2) { min-width: 38mm; }
section.appendix table.parbook-table { font-size: 10.5pt; }
section.appendix p.appendix-subtitle { text-align: center; text-indent: 0; font-weight: bold;
                                       margin: 0; }
section.appendix p.appendix-attached { text-align: center; text-indent: 0; font-style: italic;
                                       margin: 0 0 8pt 0; }
table.parbook-table tr.column-numbers th { font-weight: normal; font-style: italic; }
table.indicators td:nth-child(3) { font-size: 10pt; }
figure.chart { margin: 6pt 0 10pt 0; page-break-inside: avoid; }
figure.chart img { max-width: 100%; display: block; margin: 0 auto; }
figure.chart figcaption { font-size: 12pt; font-style: italic; text-align: center; }
"""

AUDIT_CSS = """
html { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 11pt; }
body { max-width: 1100px; margin: 0 auto; padding: 16px; }
.provenance { border: 1px solid #999; background: #f7f7f7; padding: 8px 12px; margin-bottom: 16px; }
.provenance table td { padding: 1px 8px 1px 0; vertical-align: top; }
.input_area { background: #f5f5f5; border: 1px solid #ddd; margin: 4px 0; overflow-x: auto; }
.input_area pre { margin: 0; padding: 4px 8px; font-size: 10pt; }
.prompt { color: #555; font-family: monospace; font-size: 9pt; }
.output_area pre { font-size: 10pt; white-space: pre-wrap; }
.output_stderr { background: #fff0f0; }
.output_error pre { background: #fdd; }
.celltag_audit-only { border-left: 3px solid #c0504d; padding-left: 6px; }
table.parbook-table { border-collapse: collapse; margin: 4px 0 10px 0; font-size: 10pt; }
table.parbook-table th, table.parbook-table td { border: 1px solid #888; padding: 2px 5px; }
table.parbook-table th { background: #eee; } td.num { text-align: right; }
img { max-width: 100%; }
"""


def district_report_html(nb: Any, header: ReportHeader) -> str:
    """The district report page from the executed summary notebook (no code, NĐ 30 layout)."""
    body_cells, appendix_cells = split_district_cells(nb)
    body = cells_html(nb, body_cells, with_input=False)
    appendices = [cells_html(nb, cells, with_input=False) for cells in appendix_cells]
    return str(render("district.html.j2", csp=CSP, css=PRINT_CSS, header=header, body=body,
                      appendices=appendices))


def audit_html(nb: Any, title: str, provenance: list[tuple[str, str]]) -> str:
    """An executed notebook with its code, for auditors, self-contained (no CDN, no script)."""
    from pygments.formatters import HtmlFormatter

    css = AUDIT_CSS + HtmlFormatter(style="default").get_style_defs(".highlight")
    body = cells_html(nb, list(nb.cells), with_input=True)
    return str(render("audit.html.j2", csp=CSP, css=css, title=title, provenance=provenance,
                      body=body))


def write_pdf(page_html: str, pdf_path: Any) -> None:
    """Render the page as PDF/A-2b with WeasyPrint; only data: URLs may be fetched (no network,
    no files).

    PDF/A-2b (ISO 19005-2, level B): fonts embedded, an sRGB output intent, XMP metadata equal to
    the Info dictionary, trailer /ID from the content. Part 2 rather than 1: it allows the charts'
    transparency and defines how a PAdES signature (ETSI.CAdES.detached) sits in the file
    (parbook.report.signing signs it as an incremental update, PDF/A kept); rather than 3: an
    archived report carries no opaque attachments. Level b (appearance) is what can be checked
    without a conformance validator; u and a (text mapping, tagged structure) cannot be here.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    HTML(string=page_html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf(
        pdf_path, pdf_variant="pdf/a-2b")


def read_notebook(path: Any) -> Any:
    """An executed notebook (nbformat 4)."""
    import nbformat  # with its JSON-schema validator (~1 s): only when a page is built

    return nbformat.read(path, as_version=4)


def warm_up() -> None:
    """Load nbconvert's exporters and WeasyPrint (seconds of imports) ahead of the first page."""
    import weasyprint  # noqa: F401
    from pygments.formatters import HtmlFormatter  # noqa: F401

    _exporter(True)
    _exporter(False)
    environment()
