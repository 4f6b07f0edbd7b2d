"""A report as a file: JSON for machines, HTML for the console, PDF (WeasyPrint, from the
same HTML) for print and mail, XLSX (openpyxl) with the underlying tables."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from typing import Any

from callcenter.reports.labels import label
from callcenter.reports.render_html import render as render_html

FORMATS = {"json": "application/json", "html": "text/html; charset=utf-8",
           "pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def render(content: Mapping[str, Any], fmt: str, lang: str = "zh") -> bytes:
    if fmt == "json":
        return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True).encode()
    if fmt == "html":
        return render_html(content, lang).encode()
    if fmt == "pdf":
        return pdf(content, lang)
    if fmt == "xlsx":
        return xlsx(content, lang)
    raise ValueError(f"report.format: {fmt!r} is not one of {', '.join(FORMATS)}")


def pdf(content: Mapping[str, Any], lang: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the PDF needs.
    from weasyprint import HTML

    out: bytes = HTML(string=render_html(content, lang)).write_pdf()
    return out


def _figure_sheet(wb: Any, title: str, figures: dict[str, dict[str, Any]], lang: str) -> None:
    ws = wb.create_sheet(title)
    ws.append(["key", label("figure", lang), label("value", lang), label("numerator", lang),
               label("denominator", lang)])
    for key, f in figures.items():
        ws.append([key, label(key, lang), f["value"], f["numerator"], f["denominator"]])


def xlsx(content: Mapping[str, Any], lang: str) -> bytes:
    """One sheet per table, each figure with its key, numerator and denominator, so a reader
    can redo every rate (the totals equal the JSON's)."""
    from openpyxl import Workbook

    wb = Workbook()
    info = wb.active
    info.title = "report"
    for key in ("kind", "name", "time_zone", "version", "produced_at", "sha256", "unit"):
        if key in content:
            info.append([key, str(content[key])])
    info.append(["period_start", content["period"]["start"]])
    info.append(["period_end", content["period"]["end"]])
    if "figures" in content:
        _figure_sheet(wb, "figures", content["figures"], lang)
        hours = wb.create_sheet("calls_per_hour")
        hours.append(["start", label("calls", lang)])
        for h in content["calls_per_hour"]:
            hours.append([h["start"], h["calls"]])
        by = wb.create_sheet("tickets_by")
        by.append(["group", "value", label("count", lang)])
        for group, counts in content["tickets_by"].items():
            for k, n in counts.items():
                by.append([group, k, n])
    units = wb.create_sheet("units")
    units.append(["unit", "key", label("figure", lang), label("value", lang),
                  label("numerator", lang), label("denominator", lang)])
    for unit, figures in content.get("units", {}).items():
        for key, f in figures.items():
            units.append([unit, key, label(key, lang), f["value"], f["numerator"],
                          f["denominator"]])
    for name, rows, cols in (
            ("topics", content.get("topics"), ("topic", "calls", "previous")),
            ("places", content.get("places"), ("place", "tickets", "previous")),
            ("phrases", content.get("phrases"), ("phrase", "tickets", "previous")),
            ("clusters", content.get("clusters"),
             ("category", "place", "count", "tickets", "first", "last")),
            ("notable", content.get("notable"),
             ("ticket", "category", "unit", "status", "why", "matter", "link"))):
        if rows is None:
            continue
        ws = wb.create_sheet(name)
        ws.append(list(cols))
        for r in rows:
            ws.append([", ".join(map(str, v)) if isinstance(v, list) else v
                       for v in (r[c] for c in cols)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
