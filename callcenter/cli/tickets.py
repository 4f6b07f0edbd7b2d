"""Work orders on the command line: `callcenter tickets|kb|units|sweep|sweeper|calendar`.

Commands act as a person given by `--as ROLE:ID[:UNIT]` (default: the hotline office,
supervisor:cli), with that person's rights, exactly as through the API; JSON in and out uses
the API's forms (api/forms.py). Errors print one line each and exit non-zero.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callcenter.cli.common import Verb, hotline_of, person, print_json, read_json, refusals
from callcenter.config import Settings

if TYPE_CHECKING:
    from callcenter.services.calendar import CalendarStatus
    from callcenter.services.kb import KnowledgeBase
    from callcenter.services.tickets import TicketService
    from callcenter.services.units import UnitsDirectory


def add_parsers(sub: Any) -> dict[str, Verb]:
    t = sub.add_parser("tickets", help="work orders: register, show, list, act, audit")
    ts = t.add_subparsers(dest="action", required=True)
    r = ts.add_parser("register", help="register from a JSON form (file or - for stdin)")
    r.add_argument("form")
    r.add_argument("--linkedid")
    person(r)
    for name in ("show", "audit"):
        p = ts.add_parser(name)
        p.add_argument("id", type=int)
        person(p)
    ls = ts.add_parser("list")
    ls.add_argument("--status")
    ls.add_argument("--limit", type=int, default=50)
    person(ls)
    do = ts.add_parser("do", help="give a command: tickets do ID Dispatch '{\"lead_unit\": …}'")
    do.add_argument("id", type=int)
    do.add_argument("command")
    do.add_argument("body", nargs="?", default="{}")
    person(do)
    cb = ts.add_parser("callbacks", help="closed tickets sampled for a satisfaction callback")
    cb.add_argument("--limit", type=int, default=50)
    person(cb)
    nt = ts.add_parser("notices", help="notices to the hotline office (calendar, late "
                                       "dispatch, unsolved replies)")
    nt.add_argument("--limit", type=int, default=50)
    person(nt)
    ac = ts.add_parser("add-call", help="link a repeat call to a ticket")
    ac.add_argument("id", type=int)
    ac.add_argument("linkedid")
    person(ac)
    mg = ts.add_parser("merge", help="merge ticket ID into INTO (并单)")
    mg.add_argument("id", type=int)
    mg.add_argument("into", type=int)
    mg.add_argument("reason")
    person(mg)

    kb = sub.add_parser("kb", help="knowledge base: search, save, requests")
    ks = kb.add_subparsers(dest="action", required=True)
    s = ks.add_parser("search")
    s.add_argument("query")
    person(s)
    sv = ks.add_parser("save", help="write an article from JSON (file or -)")
    sv.add_argument("article")
    sv.add_argument("--id", type=int)
    person(sv)
    rq = ks.add_parser("request", help="file a not_found or correction request")
    rq.add_argument("kind", choices=["not_found", "correction"])
    rq.add_argument("text")
    rq.add_argument("--unit")
    rq.add_argument("--article", type=int)
    person(rq)
    person(ks.add_parser("requests", help="open requests"))
    rs = ks.add_parser("resolve")
    rs.add_argument("id", type=int)
    rs.add_argument("resolution")
    person(rs)

    u = sub.add_parser("units", help="units directory: load config, import CSV, propose")
    us = u.add_subparsers(dest="action", required=True)
    ld = us.add_parser("load", help="replace the directory with config/units.toml")
    ld.add_argument("--if-empty", action="store_true",
                    help="only when the directory is empty (keeps an imported one)")
    im = us.add_parser("import", help="replace the directory with a CSV file")
    im.add_argument("csv", type=Path)
    us.add_parser("list")
    pr = us.add_parser("propose")
    pr.add_argument("address")
    pr.add_argument("category", nargs="?", default="")

    sub.add_parser("sweep", help="mark overdue tickets, raise supervision, send chase notices")
    sw = sub.add_parser("sweeper", help="sweep every few seconds until stopped (Ctrl-C, "
                                        "SIGTERM); picks up calendar changes on its own")
    sw.add_argument("--every", type=float, default=30.0, help="seconds between sweeps")
    ca = sub.add_parser("calendar", help="the working-day calendar: official and provisional "
                                         "years, provisional due times, reload")
    cas = ca.add_subparsers(dest="action", required=True)
    cst = cas.add_parser("status", help="exit status 1 while next year is unknown and 60 days "
                                        "or less away, or open tickets carry provisional due "
                                        "times")
    cst.add_argument("--json", action="store_true")
    cas.add_parser("reload", help="after adding a year to the workdays file (or upgrading "
                                  "chinesecalendar): recompute open provisional due times")
    return {"tickets": refusals(_tickets), "kb": refusals(_kb), "units": refusals(_units),
            "sweep": refusals(_sweep), "sweeper": refusals(_sweeper),
            "calendar": refusals(_calendar)}


def _register(svc: TicketService, args: argparse.Namespace) -> Any:
    from callcenter.api import forms

    tid = svc.register(forms.registration(read_json(args.form)), args.who, args.linkedid)
    return svc.get(tid, args.who)


def _list(svc: TicketService, args: argparse.Namespace) -> Any:
    from callcenter.domain.tickets import Status

    return svc.list(args.who, Status(args.status) if args.status else None, args.limit)


def _do(svc: TicketService, args: argparse.Namespace) -> Any:
    from callcenter.api import forms

    return svc.command(args.id, forms.parse_command(args.command, read_json(args.body)),
                       args.who)


def _merge(svc: TicketService, args: argparse.Namespace) -> Any:
    svc.merge(args.id, args.into, args.who, args.reason)
    return svc.get(args.id, args.who)


_TICKET_ACTIONS: dict[str, Callable[[TicketService, argparse.Namespace], Any]] = {
    "register": _register,
    "show": lambda svc, a: svc.get(a.id, a.who),
    "audit": lambda svc, a: svc.audit(a.id, a.who),
    "list": _list,
    "do": _do,
    "callbacks": lambda svc, a: svc.callbacks_due(a.who, a.limit),
    "notices": lambda svc, a: svc.office_notices(a.who, a.limit),
    "add-call": lambda svc, a: svc.add_call(a.id, a.linkedid, a.who),
    "merge": _merge,
}


def _tickets(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        print_json(_TICKET_ACTIONS[args.action](hotline.tickets, args))
    return 0


def _kb_save(kb: KnowledgeBase, args: argparse.Namespace) -> None:
    from callcenter.api import forms

    print_json(kb.get(kb.save(forms.article(read_json(args.article)), args.who, args.id)))


def _kb_request(kb: KnowledgeBase, args: argparse.Namespace) -> None:
    from callcenter.domain.kb import RequestKind

    print(kb.request(RequestKind(args.kind), args.text, args.who, args.unit, args.article))


_KB_ACTIONS: dict[str, Callable[[KnowledgeBase, argparse.Namespace], None]] = {
    "search": lambda kb, a: print_json(kb.search(a.query)),
    "save": _kb_save,
    "request": _kb_request,
    "requests": lambda kb, a: print_json(kb.open_requests(a.who)),
    "resolve": lambda kb, a: kb.resolve(a.id, a.resolution, a.who),
}


def _kb(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        _KB_ACTIONS[args.action](hotline.tickets.kb, args)
    return 0


def _units_load(units: UnitsDirectory, args: argparse.Namespace, settings: Settings) -> None:
    from callcenter.services.units import read_toml

    if args.if_empty and units.units():
        print(f"{len(units.units())} units kept")
        return
    units.replace(*read_toml(settings.units_file))
    print(f"{len(units.units())} units from {settings.units_file}")


def _units_import(units: UnitsDirectory, args: argparse.Namespace, settings: Settings) -> None:
    from callcenter.services.units import read_csv

    units.replace(*read_csv(args.csv))
    print(f"{len(units.units())} units from {args.csv}")


_UNITS_ACTIONS: dict[str, Callable[[UnitsDirectory, argparse.Namespace, Settings], None]] = {
    "load": _units_load,
    "import": _units_import,
    "list": lambda units, a, s: print_json([asdict(u) for u in units.units()]),
    "propose": lambda units, a, s: print_json(
        [asdict(p) for p in units.propose(a.address, a.category)]),
}


def _units(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        _UNITS_ACTIONS[args.action](hotline.units, args, settings)
    return 0


def _sweep(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        print_json(asdict(hotline.sweeper().run()))
    return 0


def _sweeper(args: argparse.Namespace, settings: Settings) -> int:
    """Sweep until SIGTERM or Ctrl-C; a sweep under way finishes its transaction first."""
    import logging

    from callcenter.workers import run_until_stopped

    log = logging.getLogger("callcenter.sweeper")
    with hotline_of(settings) as hotline:
        sweeper = hotline.sweeper()

        def sweep() -> None:
            report = sweeper.run()
            if any(asdict(report).values()):
                log.info("sweep: %s", asdict(report))

        return run_until_stopped("sweeper", sweep, args.every)


def _calendar(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        cal = hotline.calendar()
        if args.action == "reload":
            report = cal.recompute()
            years = hotline.tickets.ctx.calendar.official_years()
            print(f"calendar {settings.workdays_file} loaded (official years "
                  f"{years[0]}-{years[-1]}); {report.changed} tickets "
                  f"recomputed, {report.conflicts} changed meanwhile (run again)")
            return 0
        status = cal.status()
    if args.json:
        print_json(status)
    else:
        _print_calendar(status)
    return 0 if status["ok"] else 1


def _print_calendar(status: CalendarStatus) -> None:
    years = status["official_years"]
    print(f"official years: {years['first']}-{years['last']}" if years else "official years: none")
    print("provisional years: " + (", ".join(map(str, status["provisional_years"])) or "none"))
    nxt = status["next_year"]
    print(f"next year {nxt['year']}: {'official' if nxt['official'] else 'provisional'}, "
          f"{nxt['days_away']} days away")
    e = status["earliest_provisional"]
    print(f"open tickets with provisional due times: {status['open_provisional_tickets']}"
          + (f" (earliest: #{e['ticket']} {e['due']} {e['at']})" if e else ""))
    for p in status["problems"]:
        print(f"problem: {p}")
