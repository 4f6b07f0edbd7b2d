"""`callcenter report …` and `callcenter reports`: the reports from the command line, and the
worker that produces them on schedule and delivers them.

    callcenter report daily                       (the latest daily summary, as JSON)
    callcenter report daily --date 2026-12-01 --format pdf --out 日综述.pdf
    callcenter report monthly --date 2026-11-01 --unit hexie-property --format xlsx --out u.xlsx
    callcenter report list
    callcenter reports                            (16:00 daily, weekly, monthly; until SIGTERM)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from callcenter.cli.common import Verb, date_arg, hotline_of, person, refusals, refuse
from callcenter.config import Settings

KINDS = ("daily", "weekly", "monthly")


def add_parsers(sub: Any) -> dict[str, Verb]:
    r = sub.add_parser("report", help="a report: daily (16:00 to 16:00), weekly, monthly; "
                                      "or the list of stored reports")
    r.add_argument("kind", choices=(*KINDS, "list"))
    r.add_argument("--date", type=date_arg, help="daily: the day it ends on; weekly, monthly: "
                                              "a day in it (default: the latest due)")
    r.add_argument("--unit", help="that unit's sections only")
    r.add_argument("--format", choices=("json", "html", "pdf", "xlsx"), default="json")
    r.add_argument("--lang", choices=("zh", "en"), help="labels (default: reports.language)")
    r.add_argument("--version", type=int, help="an earlier version of the period")
    r.add_argument("--out", type=Path, help="write the file here (default: standard output)")
    r.add_argument("--produce", action="store_true",
                   help="produce the period again first (a new version if data changed)")
    person(r, "read as ROLE:ID (a unit's head: unit:ID:UNIT:head)")
    w = sub.add_parser("reports", help="produce the reports on schedule (a missed run at "
                                       "start-up, once), watch for clusters, deliver by mail "
                                       "and webhook; until SIGTERM or Ctrl-C")
    w.add_argument("--every", type=float, default=30.0, help="seconds between looks")
    return {"report": refusals(_report), "reports": _worker}


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        return _work(hotline.reports(), hotline.report_delivery(), args.every,
                     settings.reports_metrics_port)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.domain import report_periods as rp
    from callcenter.reports.render_files import render

    with hotline_of(settings) as hotline:
        reports = hotline.reports()
        if args.kind == "list":
            for item in reports.listing(args.who):
                print(json.dumps(item, ensure_ascii=False))
            return 0
        kind = rp.ReportKind(args.kind)
        tz = settings.tz
        period = (rp.of_day(kind, args.date, tz) if args.date is not None else
                  rp.latest_due(kind, reports.clock(), tz, reports.schedule))
        if args.produce:
            made = reports.produce_as(args.who, kind.value, period.name)
            print(f"{kind.value} {period.name}: version {made.report.version}"
                  + ("" if made.new else " (unchanged)"), file=sys.stderr)
        content = reports.view(args.who, kind.value, period.name, args.version, args.unit)
        data = render(content, args.format, args.lang or settings.reports_language)
        if args.out is not None:
            args.out.write_bytes(data)
            print(f"{args.out}: {kind.value} {period.name} version {content['version']}",
                  file=sys.stderr)
        elif args.format in ("pdf", "xlsx") and sys.stdout.isatty():
            return refuse(f"report: a {args.format} file goes to --out FILE, not a terminal")
        else:
            sys.stdout.buffer.write(data)
        return 0


def _work(reports: Any, delivery: Any, every: float, metrics_port: int = 0) -> int:
    """Until SIGTERM or Ctrl-C: roll up the hours that ended, produce what is due, raise
    clusters, deliver."""
    import logging

    from callcenter.worker_metrics import ReportsMetrics, serve
    from callcenter.workers import run_until_stopped

    log = logging.getLogger("callcenter.reports")
    metrics = ReportsMetrics()
    serve(metrics.registry, metrics_port, "reports")

    def look() -> None:
        rolled = reports.roll_up()
        made = reports.run_due()
        for m in made:
            log.info("report %s %s version %d", m.report.kind, m.report.period,
                     m.report.version)
        if reports.watch_clusters():
            log.info("clusters raised to the office")
        done, failed = delivery.deliver_due()
        if done or failed:
            log.info("deliveries: %d done, %d to retry", done, failed)
        metrics.looked([m.report.kind for m in made if m.new], rolled, done, failed)

    return run_until_stopped("reports", look, every)
