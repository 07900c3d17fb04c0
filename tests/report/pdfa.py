"""A structural PDF/A check with pikepdf (tests only; not a conformance validator like veraPDF).

What it checks — the parts of ISO 19005-2 that a renderer or a signer typically breaks:
XMP metadata claiming a PDF/A level; every Info entry equal to its XMP counterpart; an
``/OutputIntents`` entry ``/GTS_PDFA1`` with an ICC profile; a trailer ``/ID``; no encryption;
every font embedded (pages, form XObjects, annotation appearances); annotations printable and
not hidden; no JavaScript or additional actions; no embedded files in parts 1 and 2.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Name
from pikepdf.models.metadata import decode_pdf_date

INFO_TO_XMP = {
    "/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords", "/Creator": "xmp:CreatorTool", "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate",
}


def _fonts(resources: Any, seen: set[Any], problems: list[str], where: str) -> None:
    if resources is None or (resources.objgen in seen and resources.objgen != (0, 0)):
        return
    seen.add(resources.objgen)
    for name, font in (resources.get("/Font") or {}).items():
        subtype = font.get("/Subtype")
        if subtype == Name.Type3:
            continue
        for f in ([font.DescendantFonts[0]] if subtype == Name.Type0 else [font]):
            desc = f.get("/FontDescriptor")
            if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"font not embedded: {f.get('/BaseFont')} ({where} {name})")
    for name, xobj in (resources.get("/XObject") or {}).items():
        if xobj.get("/Subtype") == Name.Form:
            _fonts(xobj.get("/Resources"), seen, problems, f"{where} XObject {name}")


def check_pdfa(path: Path, expect: str | None = None) -> list[str]:
    """Problems found (an empty list: the file looks like PDF/A, level ``expect`` e.g. "2B")."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        root = pdf.Root
        if "/Metadata" not in root:
            return [*problems, "no XMP /Metadata"]
        meta = pdf.open_metadata()
        status = meta.pdfa_status
        if not status:
            problems.append("XMP claims no PDF/A part and conformance")
        elif expect and status.upper() != expect.upper():
            problems.append(f"claims PDF/A-{status}, expected {expect}")
        part = int(status[0]) if status[:1].isdigit() else 0
        info = pdf.docinfo if "/Info" in pdf.trailer else {}
        for key, xmp_key in INFO_TO_XMP.items():
            if key not in info:
                continue
            iv, xv = str(info[key]), meta.get(xmp_key)
            if key.endswith("Date"):
                same = xv is not None and decode_pdf_date(iv) == datetime.fromisoformat(xv)
            else:
                xv = ", ".join(xv) if isinstance(xv, list) else xv
                same = iv == (xv or "")
            if not same:
                problems.append(f"Info {key}={iv!r} != XMP {xmp_key}={xv!r}")
        intents = [oi for oi in (root.get("/OutputIntents") or []) if oi.get("/S") == Name("/GTS_PDFA1")]
        if not intents:
            problems.append("no /OutputIntents /GTS_PDFA1")
        elif "/DestOutputProfile" not in intents[0]:
            problems.append("output intent without ICC profile")
        if "/ID" not in pdf.trailer:
            problems.append("no trailer /ID")
        seen: set[Any] = set()
        for i, page in enumerate(pdf.pages, 1):
            _fonts(page.obj.get("/Resources"), seen, problems, f"page {i}")
            for annot in page.obj.get("/Annots") or []:
                if annot.get("/Subtype") != Name.Popup:
                    flags = int(annot.get("/F", 0))
                    if not flags & 4 or flags & (1 | 2 | 32):
                        problems.append(f"page {i}: annotation flags {flags}")
                appearance = (annot.get("/AP") or {}).get("/N")
                if isinstance(appearance, pikepdf.Stream):
                    _fonts(appearance.get("/Resources"), seen, problems, f"page {i} annotation")
        if "/JavaScript" in (root.get("/Names") or {}) or "/AA" in root:
            problems.append("JavaScript or additional actions")
        if part in (1, 2) and "/EmbeddedFiles" in (root.get("/Names") or {}):
            problems.append("embedded files")
    return problems
