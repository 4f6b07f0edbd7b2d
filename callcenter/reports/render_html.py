"""A report as one HTML page with inline SVG charts: read in the console, printed, and turned
into the PDF. Every text that comes from the store (ticket text, places, categories, names)
is escaped here; nothing is fetched from elsewhere (no scripts, fonts or images)."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from callcenter.reports.labels import label

KPIS = ("answer_rate", "within_15s_rate", "on_time_rate", "first_contact_rate",
        "resolution_rate", "satisfaction_rate", "unit_answer_rate")
CALL_KEYS = ("calls_total", "calls_offered", "calls_answered", "answered_within_15s",
             "abandoned_ivr", "abandoned_queue", "calls_after_hours", "after_hours_answered",
             "repeat_callers", "wait_mean_s", "wait_p90_s", "talk_mean_s", "talk_p90_s",
             "callbacks_requested", "callbacks_placed", "callbacks_connected", "connected_rate",
             "rings", "rings_answered", "ring_answer_rate")
TICKET_KEYS = ("tickets_registered", "answered_directly", "dispatched", "due", "on_time",
               "overdue", "contact_due", "contacted_in_time", "called_back",
               "callback_unreached", "solved", "satisfied", "supervised", "extended",
               "returned", "parked", "revisited", "repeat_tickets", "unit_dialled",
               "unit_answered")
UNIT_KEYS = ("tickets_registered", "due", "on_time", "overdue", "on_time_rate",
             "first_contact_rate", "resolution_rate", "satisfaction_rate", "unit_answer_rate")
SEAT_KEYS = ("calls_answered", "talk_mean_s", "rings", "rings_answered", "ring_answer_rate")
AGENT_KEYS = ("tickets_registered", "answered_directly", "called_back", "resolution_rate",
              "satisfaction_rate", "rings", "rings_answered", "ring_answer_rate")
SINGULAR = {"topics": "topic", "places": "place", "categories": "category",
            "phrases": "phrase"}
STYLE = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: 10pt;
       color: #222; margin: 0 auto; max-width: 1000px; }
h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 12.5pt; margin: 18px 0 6px;
  border-bottom: 1px solid #999; page-break-after: avoid; }
table { border-collapse: collapse; margin: 4px 0 10px; page-break-inside: auto; }
th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #555; } svg { display: block; margin: 4px 0 10px; }
tr { page-break-inside: avoid; }
"""


def _t(key: str, lang: str) -> str:
    return escape(label(key, lang))


def _num(v: object) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}" if v < 1 else f"{v:,.1f}"
    return escape(f"{v:,}" if isinstance(v, int) else str(v))


def _pct(f: dict[str, Any]) -> str:
    v = f.get("value")
    return "—" if v is None else f"{v * 100:.1f}%"


def _figure_rows(figures: dict[str, dict[str, Any]], keys: tuple[str, ...], lang: str,
                 previous: dict[str, dict[str, Any]] | None = None) -> str:
    head = "".join(f"<th>{_t(k, lang)}</th>" for k in (
        "figure", "value", "numerator", "denominator", *(("previous",) if previous else ())))
    rows = []
    for k in keys:
        f = figures.get(k)
        if f is None:
            continue
        value = _pct(f) if k.endswith("_rate") else _num(f["value"])
        prev = ""
        if previous is not None:
            p = previous.get(k)
            shown = "" if p is None else _pct(p) if k.endswith("_rate") else _num(p["value"])
            prev = f"<td class=n>{shown}</td>"
        rows.append(f"<tr><td>{_t(k, lang)}</td><td class=n>{value}</td>"
                    f"<td class=n>{_num(f['numerator'])}</td>"
                    f"<td class=n>{_num(f['denominator'])}</td>{prev}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def bar_chart(items: list[tuple[str, float]], width: int = 900, height: int = 180,
              percent: bool = False) -> str:
    """Vertical bars with their labels under them, in SVG."""
    if not items:
        return ""
    top = max((v for _, v in items), default=0) or 1
    n = len(items)
    slot = (width - 40) / n
    bars = []
    for i, (name, v) in enumerate(items):
        h = (height - 40) * v / top
        x = 30 + i * slot
        shown = f"{v * 100:.0f}%" if percent else f"{v:g}"
        bars.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{height - 20 - h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#3b6ea8"/>'
            f'<text x="{x + slot / 2:.1f}" y="{height - 24 - h:.1f}" font-size="9" '
            f'text-anchor="middle">{escape(shown)}</text>'
            f'<text x="{x + slot / 2:.1f}" y="{height - 6}" font-size="9" '
            f'text-anchor="middle">{escape(name)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'style="width: 100%; max-width: {width}px" role="img">'
            f'<line x1="25" y1="{height - 20}" x2="{width - 5}" y2="{height - 20}" '
            f'stroke="#888"/>{"".join(bars)}</svg>')


def _table(headers: list[str], rows: list[list[str]], lang: str) -> str:
    if not rows:
        return f"<p>{_t('none', lang)}</p>"
    head = "".join(f"<th>{_t(h, lang)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cells) + "</tr>" for cells in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(v: object) -> str:
    return f"<td class=n>{_num(v)}</td>" if isinstance(v, int | float) else \
        f"<td>{escape(str(v))}</td>"


def render(content: Mapping[str, Any], lang: str = "zh") -> str:
    """A stored report document (domain/report_content.py) or a unit's sections of it. Read
    as a mapping: a document stored under an earlier schema keeps its shape, so a section it
    lacks is skipped, not an error."""
    kind = content["kind"]
    title = f"{label(kind, lang)} {content['name']}"
    period = content["period"]
    out = [f"<!DOCTYPE html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head>"
           f"<meta charset=\"utf-8\"><title>{escape(title)}</title><style>{STYLE}</style>"
           f"</head><body><h1>{escape(title)}</h1>",
           f"<p class=meta>{_t('period', lang)}: {escape(period['start'])} — "
           f"{escape(period['end'])} ({escape(content['time_zone'])}) · {_t('version', lang)} "
           f"{_num(content.get('version'))} · {_t('produced_at', lang)} "
           f"{escape(str(content.get('produced_at', '')))}</p>"]
    if "unit" in content:
        out.append(f"<p>{_t('unit', lang)}: {escape(str(content['unit']))}</p>")
    figures = content.get("figures")
    if figures is not None:
        previous = content.get("previous")
        out.append(f"<h2>{_t('kpis', lang)}</h2>")
        out.append(_figure_rows(figures, KPIS, lang, previous))
        out.append(bar_chart(_trend(figures, previous or {}, lang), height=170,
                             percent=True))
        out.append(f"<h2>{_t('calls', lang)}</h2>")
        out.append(_figure_rows(figures, CALL_KEYS, lang, previous))
        hours = content.get("calls_per_hour", [])
        out.append(f"<h2>{_t('calls_per_hour', lang)}</h2>")
        out.append(bar_chart([(h["start"][11:13], h["calls"]) for h in hours[-24:]])
                   if len(hours) <= 24 else _daily_bars(hours))
        out.append(f"<h2>{_t('tickets', lang)}</h2>")
        out.append(_figure_rows(figures, TICKET_KEYS, lang, previous))
        for group, counts in content.get("tickets_by", {}).items():
            out.append(f"<h3>{_t('tickets_by', lang)} · {_t(group, lang)}</h3>")
            out.append(_table([group, "count"], [[_cell(k), _cell(v)] for k, v in
                                                 counts.items()], lang))
    units = content.get("units", {})
    out.append(f"<h2>{_t('units', lang)}</h2>")
    out.append(_table(["unit", *UNIT_KEYS], [
        [_cell(u), *(_cell(_pct(f[k]) if k.endswith("_rate") else f[k]["value"])
                     for k in UNIT_KEYS)] for u, f in units.items()], lang))
    if "seats" in content:
        out.append(f"<h2>{_t('seats', lang)}</h2>")
        out.append(_table(["seat", *SEAT_KEYS], [
            [_cell(s), *(_cell(_pct(f[k]) if k.endswith("_rate") else f[k]["value"])
                         for k in SEAT_KEYS)] for s, f in content["seats"].items()], lang))
        out.append(f"<h2>{_t('agents', lang)}</h2>")
        out.append(_table(["agent", *AGENT_KEYS], [
            [_cell(a), *(_cell(_pct(f[k]) if k.endswith("_rate") else f[k]["value"])
                         for k in AGENT_KEYS)] for a, f in content["agents"].items()], lang))
    if "topics" in content:
        out.append(f"<h2>{_t('topics', lang)}</h2>")
        out.append(bar_chart([(t["topic"], t["calls"]) for t in content["topics"]],
                             height=150))
        out.append(_table(["topic", "calls", "previous"], [
            [_cell(t["topic"]), _cell(t["calls"]), _cell(t["previous"])]
            for t in content["topics"]], lang))
        out.append(f"<h2>{_t('places', lang)}</h2>")
        out.append(_places(content.get("places", []), lang))
        out.append(f"<h2>{_t('phrases', lang)}</h2>")
        out.append(_table(["phrase", "tickets", "previous"], [
            [_cell(p["phrase"]), _cell(p["tickets"]), _cell(p["previous"])]
            for p in content.get("phrases", [])], lang))
        out.append(f"<h2>{_t('emerging', lang)}</h2>")
        for what, flags in content["emerging"].items():
            out.append(f"<h3>{_t(what, lang)}</h3>")
            out.append(_table([SINGULAR[what], "count", "previous", "week_before", "rules"], [
                [_cell(f["name"]), _cell(f["count"]), _cell(f["previous"]),
                 _cell(f["week_before"] if f["week_before"] is not None else "—"),
                 _cell("、".join(label(r, lang) for r in f["rules"]))] for f in flags], lang))
        out.append(f"<h2>{_t('clusters', lang)}</h2>")
        out.append(_table(["category", "place", "count", "tickets", "first", "last"], [
            [_cell(c["category"]), _cell(c["place"]), _cell(c["count"]),
             _cell(", ".join(f"#{t}" for t in c["tickets"])), _cell(c["first"][:16]),
             _cell(c["last"][:16])] for c in content.get("clusters", [])], lang))
    out.append(f"<h2>{_t('notable', lang)}</h2>")
    out.append(_table(["ticket", "category", "unit", "status", "why", "matter"], [
        [f'<td><a href="{escape(n["link"])}">#{n["ticket"]}</a></td>', _cell(n["category"]),
         _cell(n["unit"] or "—"), _cell(n["status"]),
         _cell("、".join(label(w, lang) for w in n["why"])), _cell(n["matter"])]
        for n in content.get("notable", [])], lang))
    out.append("</body></html>")
    return "".join(out)


def _trend(figures: dict[str, Any], previous: dict[str, Any], lang: str
           ) -> list[tuple[str, float]]:
    """Each KPI now, preceded by its value in the period before where the report has it."""
    out: list[tuple[str, float]] = []
    for k in KPIS:
        if k in previous:
            out.append((f"{label('previous', lang)}", previous[k]["value"] or 0))
        out.append((label(k, lang), figures[k]["value"] or 0))
    return out


def _daily_bars(hours: list[dict[str, Any]]) -> str:
    days: dict[str, int] = {}
    for h in hours:
        day = h["start"][5:10]
        days[day] = days.get(day, 0) + h["calls"]
    return bar_chart(list(days.items()))


def _places(places: list[dict[str, Any]], lang: str) -> str:
    """A map-like table: the places with the most tickets, shaded by how many."""
    if not places:
        return f"<p>{_t('none', lang)}</p>"
    top = max(p["tickets"] for p in places) or 1
    rows = []
    for p in places:
        shade = int(255 - 150 * p["tickets"] / top)
        rows.append(f'<tr><td style="background: rgb(255,{shade},{shade})">'
                    f'{escape(p["place"])}</td><td class=n>{p["tickets"]}</td>'
                    f'<td class=n>{p["previous"]}</td></tr>')
    return (f"<table><tr><th>{_t('place', lang)}</th><th>{_t('tickets', lang)}</th>"
            f"<th>{_t('previous', lang)}</th></tr>{''.join(rows)}</table>")
