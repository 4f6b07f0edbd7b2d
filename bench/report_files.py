"""Rendering a big report, and the libraries we chose against the ones we did not.

    python3 bench/report_files.py [--repeat 3]

The content is a monthly report's shape at full size: 720 hours, 100 units, 60 seats, 80
agents, 30 places, 200 notable tickets. Measured, best of `--repeat`, with peak memory:
- our HTML with inline SVG charts; WeasyPrint's PDF of it; openpyxl's XLSX;
- if installed (they are not the project's dependencies): XlsxWriter's XLSX of the same
  tables, and a matplotlib bar chart of the 720 hours as SVG beside ours.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import resource
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.domain import figures as f
from callcenter.reports.render_files import render
from callcenter.reports.render_html import bar_chart

TZ = ZoneInfo("Asia/Shanghai")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def content() -> dict[str, Any]:
    from collections import Counter

    t = f.Tally(calls=Counter(calls_total=3_000_000, calls_offered=2_760_000,
                              calls_answered=2_580_000, answered_within_15s=2_100_000),
                tickets=Counter(tickets_registered=1_000_000, due=700_000, on_time=650_000))
    for u in range(100):
        t.units[f"u{u:03d}"] = Counter(due=7000 + u, on_time=6500, called_back=900,
                                       satisfied=800, solved=700)
    for s in range(60):
        t.seats[f"80{s:02d}"] = Counter(calls_answered=40_000 + s, talk_s=7_000_000)
    for a in range(80):
        t.agents[f"agent{a}"] = Counter(tickets_registered=12_000, answered_directly=3000)
    start = datetime(2026, 11, 1, tzinfo=TZ)
    return {
        "schema": 1, "kind": "monthly", "name": "2026-11", "time_zone": "Asia/Shanghai",
        "period": {"start": start.isoformat(), "end": datetime(2026, 12, 1, tzinfo=TZ)
                   .isoformat()}, "version": 1, "produced_at": "2026-12-01T16:00:00+08:00",
        "sha256": "0" * 64, "compared_with": {"previous": "2026-10", "week_before": None},
        "figures": f.figures(t), "previous": {},
        "calls_per_hour": [{"start": (start + timedelta(hours=h)).isoformat(),
                            "calls": 4000 + h % 24 * 200} for h in range(720)],
        "tickets_by": {"channel": {"phone": 800_000, "web": 200_000},
                       "category": {f"类别{i}": 80_000 for i in range(12)},
                       "kind": {"complaint": 600_000}, "unit": {f"u{u:03d}": 9000
                                                                for u in range(100)}},
        "units": f.unit_figures(t), **f.people_figures(t),
        "topics": [{"topic": f"话题{i}", "calls": 1000 * i, "previous": 900 * i}
                   for i in range(12)],
        "places": [{"place": f"高新区梧桐街道社区{i}", "tickets": 500 - i, "previous": 400}
                   for i in range(30)],
        "emerging": {"topics": [], "places": [], "categories": []},
        "clusters": [{"category": "漏水", "place": f"社区{i}", "count": 6,
                      "tickets": list(range(i, i + 6)), "first": start.isoformat(),
                      "last": start.isoformat()} for i in range(20)],
        "notable": [{"ticket": i, "link": f"/api/v1/tickets/{i}", "category": "漏水",
                     "status": "in_progress", "unit": "u001", "place": "社区", "repeats": 5,
                     "why": ["repeated"], "matter": "楼上漏水到我家厨房<已经三天了>"}
                    for i in range(200)],
    }


def measure(name: str, fn: Callable[[], object], repeat: int) -> None:
    before = rss_mb()
    times, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        size = len(out) if isinstance(out, bytes | str) else 0
    print(f"{name:34} {min(times) * 1000:8.0f} ms  {size / 1024:8.0f} KiB  peak RSS +"
          f"{rss_mb() - before:.0f} MB")


def xlsxwriter_tables(c: dict[str, Any]) -> bytes:
    import xlsxwriter  # type: ignore[import-not-found,unused-ignore]

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("figures")
    for i, (k, v) in enumerate(c["figures"].items()):
        ws.write_row(i, 0, [k, v["value"], v["numerator"], v["denominator"]])
    ws = wb.add_worksheet("units")
    row = 0
    for unit, figs in c["units"].items():
        for k, v in figs.items():
            ws.write_row(row, 0, [unit, k, v["value"], v["numerator"], v["denominator"]])
            row += 1
    ws = wb.add_worksheet("calls_per_hour")
    for i, h in enumerate(c["calls_per_hour"]):
        ws.write_row(i, 0, [h["start"], h["calls"]])
    wb.close()
    return buf.getvalue()


def matplotlib_svg(c: dict[str, Any]) -> bytes:
    import matplotlib  # type: ignore[import-not-found,unused-ignore]

    matplotlib.use("svg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]

    fig, ax = plt.subplots(figsize=(10, 2))
    ax.bar(range(len(c["calls_per_hour"])), [h["calls"] for h in c["calls_per_hour"]])
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    c = content()
    hours = [(h["start"][5:13], h["calls"]) for h in c["calls_per_hour"]]
    measure("SVG chart of 720 hours (ours)", lambda: bar_chart(hours), args.repeat)
    if importlib.util.find_spec("matplotlib"):
        measure("SVG chart of 720 hours (matplotlib)", lambda: matplotlib_svg(c), args.repeat)
    measure("HTML (ours, charts inline)", lambda: render(c, "html"), args.repeat)
    measure("XLSX (openpyxl)", lambda: render(c, "xlsx"), args.repeat)
    if importlib.util.find_spec("xlsxwriter"):
        measure("XLSX (XlsxWriter, 3 of the tables)", lambda: xlsxwriter_tables(c),
                args.repeat)
    measure("PDF (WeasyPrint)", lambda: render(c, "pdf"), args.repeat)


if __name__ == "__main__":
    main()
