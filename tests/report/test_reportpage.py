"""The NĐ 30/2020 page around a notebook: header data, code-free district HTML, PDF text."""

from __future__ import annotations

import http.server
import subprocess
import threading
from datetime import date

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from parbook.report import page as reportpage
from parbook.timeline.periods import Window

UNIT = {"unit_code": "X1", "unit_name": "Xã Phú Mỹ (mô phỏng)", "district": "Huyện Phú Vang",
        "province": "Thừa Thiên Huế"}


def test_header_defaults_from_units_table() -> None:
    h = reportpage.report_header(UNIT, Window.parse("2024-Q3"))
    assert h.parent_agency == "", "a UBND xã has no parent-agency line unless configured"
    assert h.issuer_name == "Ủy ban nhân dân xã Phú Mỹ"
    assert h.issuer == "ỦY BAN NHÂN DÂN\nXÃ PHÚ MỸ"
    assert h.place_date == "Phú Mỹ, ngày 14 tháng 9 năm 2024"
    assert h.number_line.startswith("Số:") and h.number_line.endswith("/BC-UBND")
    assert h.subject.endswith("quý III năm 2024")
    assert h.recipients_to == "Ủy ban nhân dân huyện Phú Vang"
    assert h.signer_authority == "TM. ỦY BAN NHÂN DÂN" and h.signer_title == "CHỦ TỊCH"
    assert h.recipients[-1].startswith("Lưu: VT")


def test_header_of_configured_unit() -> None:
    h = reportpage.report_header({"unit_code": "DEMO-ANLOC", "unit_name": "Xã An Lộc (mô phỏng)"},
                                 Window.parse("2024-Q1", as_of="2024-03-05"))
    assert h.place_date == "An Lộc, ngày 05 tháng 3 năm 2024"
    assert h.parent_agency == "" and h.signer_name
    assert "mô phỏng" in h.note


def test_signing_date_is_the_day_made_when_the_data_go_past_the_as_of_date() -> None:
    w = Window.parse("2024-Q3")
    made = date(2024, 10, 2)
    assert reportpage.report_header(UNIT, w, made_on=made).report_date == w.as_of
    assert reportpage.report_header(UNIT, w, made_on=made, data_after_as_of=True).report_date == made


def _executed_notebook() -> nbformat.NotebookNode:
    def code(src, html=None, tags=(), stderr=None):
        outputs = []
        if html:
            outputs.append(new_output("display_data", data={"text/html": html}))
        if stderr:
            outputs.append(new_output("stream", name="stderr", text=stderr))
        return new_code_cell(src, outputs=outputs, metadata={"tags": list(tags)}, execution_count=1)
    return new_notebook(cells=[
        code("unit = 'X1'", tags=("parameters",)),
        code("secret_code_marker = 1", html="<p>chỉ cho kiểm tra viên</p>", tags=("audit-only",)),
        new_markdown_cell("## I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        code("nb.show_html(x)", html="<p>Nội dung mục I &lt;script&gt;</p>", stderr="UserWarning: noise"),
        new_markdown_cell("## Phụ lục I\n\n**BIỂU**", metadata={"tags": ["appendix"]}),
        code("nb.show_html(t)", html="<table class='parbook-table'><tr><td>1</td></tr></table>",
             tags=("appendix",)),
    ])


def test_district_html_has_no_code_and_the_nd30_blocks() -> None:
    header = reportpage.report_header(UNIT, Window.parse("2024-Q3"))
    page = reportpage.district_report_html(_executed_notebook(), header)
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
                 "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "Nội dung mục I", "Content-Security-Policy",
                 'class="appendix"'):
        assert text in page
    for code in ("nb.show_html", "secret_code_marker", "chỉ cho kiểm tra viên", "unit = ", "UserWarning"):
        assert code not in page
    assert "&lt;script&gt;" in page and "<script" not in page
    assert page.index("Nơi nhận:") < page.index('class="appendix"')


def test_audit_html_keeps_code_and_is_self_contained() -> None:
    page = reportpage.audit_html(_executed_notebook(), "Tiêu đề <x>", [("Tham số", "unit=<X1>")])
    assert "secret_code_marker" in page and "chỉ cho kiểm tra viên" in page
    assert "Tiêu đề &lt;x&gt;" in page and "unit=&lt;X1&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert "<script" not in page


def test_pdf_text(tmp_path) -> None:
    header = reportpage.report_header(UNIT, Window.parse("2024-Q3"))
    page = reportpage.district_report_html(_executed_notebook(), header)
    pdf = tmp_path / "r.pdf"
    reportpage.write_pdf(page, pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "ỦY BAN NHÂN DÂN" in text
    assert "Phú Mỹ, ngày 14 tháng 9 năm 2024" in text and "nb.show_html" not in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89" in info            # A4 portrait (first page)


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 — http.server API
        _Counter.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _images(pdf) -> int:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    return len(listing) - 2


def test_pdf_fetches_nothing_but_data_urls(tmp_path) -> None:
    from weasyprint import HTML

    from parbook.report import plots

    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local_png = tmp_path / "local.png"
    local_png.write_bytes(plots.to_png(plots.channels_chart(pd.DataFrame(
        {"channel": ["Trực tiếp"], "count": [1], "share": [1.0]}))))
    nb = _executed_notebook()
    nb.cells[3].outputs[0]["data"]["text/html"] += (
        f'<img alt="a" src="file://{local_png}"><img alt="b" src="http://127.0.0.1:{server.server_port}/x.png">')
    page = reportpage.district_report_html(nb, reportpage.report_header(UNIT, Window.parse("2024-Q3")))
    try:
        reportpage.write_pdf(page, tmp_path / "safe.pdf")
        assert _Counter.hits == [] and _images(tmp_path / "safe.pdf") == 0
        HTML(string=page).write_pdf(tmp_path / "default.pdf")       # control: the default fetcher
        assert len(_Counter.hits) == 1 and _images(tmp_path / "default.pdf") >= 1
    finally:
        server.shutdown()


def test_blank_date_mode() -> None:
    h = reportpage.ReportHeader("P", "I", "An Lộc", "", "BC-UBND", None, "S", "", "A", "T", "", [])
    assert h.place_date.startswith("An Lộc, ngày ") and "2024" not in h.place_date
    assert reportpage.ReportHeader("P", "I", "X", "5", "BC-UBND", date(2024, 1, 2), "S", "", "A", "T", ""
                                   ).number_line == "Số: 05/BC-UBND"


def _stock_cells_html(nb: nbformat.NotebookNode, with_input: bool) -> str:
    """What nbconvert's own HTMLExporter (no memoised filter, its own validation) makes."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic", exclude_input=not with_input,
                            exclude_input_prompt=not with_input, exclude_output_prompt=True,
                            exclude_anchor_links=True, optimistic_validation=True)
    return exporter.from_notebook_node(nb)[0]


def test_memoised_highlighting_gives_nbconvert_html() -> None:
    from parbook.store.config import NOTEBOOKS_DIR

    notebooks = [nbformat.read(p, as_version=4) for p in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))]
    notebooks.append(_executed_notebook())
    notebooks[-1].cells.append(new_code_cell("%%bash\necho 'xin chào' <x>", execution_count=2))
    notebooks[-1].cells.append(new_code_cell("", execution_count=3))
    # outputs a piece of the page cannot be read alone for: the page is post-processed whole
    for html in ("<div>mở mà không đóng", "</div></div>thừa thẻ đóng", "<style>p { color: red }",
                 "<p>a &amp b &amp", "<!-- chú thích không đóng", '<div class="jp-Notebook">x</div>',
                 '<img src="data:image/png;base64,AAAA">', '<br><p>x</br></p><img alt="">'):
        nb = _executed_notebook()
        nb.cells[3].outputs[0]["data"]["text/html"] = html
        notebooks.append(nb)
    for nb in notebooks:
        for with_input in (True, False):
            expected = _stock_cells_html(nb, with_input)
            for _ in range(2):            # the second time from the memo
                assert reportpage.cells_html(nb, list(nb.cells), with_input) == expected
    memo = [t for (name, _), t in reportpage._MEMO_TABLES.items() if name == "highlight_code"]
    assert memo and sum(t.cache_info().hits for t in memo) > 0
    assert reportpage._piece.cache_info().hits > 0


def test_pieces_of_a_page() -> None:
    cell = '<div class="cell border-box-sizing code_cell rendered">\n<p>a<br>b</p>\n</div>\n'
    assert reportpage.post_process(cell * 2) == (cell.replace("<br>", "<br/>") * 2, 0)
    assert reportpage._piece(cell) == (cell.replace("<br>", "<br/>"), 0)   # read alone, memoised
    assert reportpage._piece("<div>open") is None and reportpage._piece("<style>x") is None
    assert reportpage.post_process('<div class="cell border-box-sizing x"><img src="x">') == (
        f'<div class="cell border-box-sizing x"><img alt="{reportpage.NO_ALT}" src="x"/></div>', 1)


def test_invalid_notebook_is_still_refused() -> None:
    import pytest

    nb = _executed_notebook()
    nb.cells[0]["execution_count"] = "un"            # not an integer: the schema refuses it
    with pytest.raises(nbformat.ValidationError):
        reportpage.cells_html(nb, list(nb.cells), with_input=True)
