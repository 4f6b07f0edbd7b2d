"""The work-order use cases on the command line: `callcenter tickets|kb|units|sweep|api|api-token`.

Commands act as a person given by `--as ROLE:ID[:UNIT]` (default: the hotline office,
supervisor:cli), with that person's rights, exactly as through the API; JSON in and out uses
the API's forms (api/forms.py). Errors print one line each and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callcenter.config import Settings
from callcenter.domain.privacy import Role, UnitRole, Viewer
from callcenter.services.transcript_search import TEXT_FILTERS

if TYPE_CHECKING:
    from callcenter.bootstrap import Hotline
    from callcenter.services.topics import Topics


def add_parsers(sub: Any) -> None:
    def person(p: argparse.ArgumentParser) -> None:
        p.add_argument("--as", dest="who", default="supervisor:cli", type=viewer_arg,
                       help="act as ROLE:ID or unit:ID:UNIT[:staff|leader|head]")

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
    op = ks.add_parser("requests", help="open requests")
    person(op)
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

    se = sub.add_parser("search", help="search what was said in recorded calls (audited)")
    se.add_argument("query")
    for name, why in TEXT_FILTERS.items():
        se.add_argument(f"--{name}", help=why)
    se.add_argument("--since", type=_utc)
    se.add_argument("--until", type=_utc)
    se.add_argument("--limit", type=int, default=20)
    se.add_argument("--json", action="store_true")
    person(se)
    tr_ = sub.add_parser("transcript", help="everything said in one call, in time order "
                                            "(audited)")
    tr_.add_argument("linkedid")
    person(tr_)
    tp = sub.add_parser("topics", help="hot topics spotted in calls: counts, a call's tags, "
                                       "re-spotting after the keyword lists change")
    tps = tp.add_subparsers(dest="action", required=True)
    tc = tps.add_parser("counts", help="calls and mentions per topic per period")
    tc.add_argument("--since", type=_utc, required=True)
    tc.add_argument("--until", type=_utc, required=True)
    tc.add_argument("--period", choices=["day", "week", "month"], default="day")
    person(tc)
    tcall = tps.add_parser("call", help="one call's topic tags with times")
    tcall.add_argument("linkedid")
    person(tcall)
    tr = tps.add_parser("respot", help="apply the topics file to calls already transcribed")
    tr.add_argument("--since", type=_utc)
    tps.add_parser("check", help="read and show the topics file")
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
    sub.add_parser("api", help="serve the JSON API")
    tk = sub.add_parser("api-token", help="API tokens: add (printed once) or revoke")
    tks = tk.add_subparsers(dest="action", required=True)
    add = tks.add_parser("add")
    add.add_argument("person", type=viewer_arg, help="ROLE:ID[:UNIT]")
    rv = tks.add_parser("revoke")
    rv.add_argument("id")


def _utc(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a date, YYYY-MM-DD[THH:MM]") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def viewer_arg(text: str) -> Viewer:
    parts = text.split(":")
    try:
        role = Role(parts[0])
        if role is Role.UNIT:
            if len(parts) not in (3, 4) or not parts[1] or not parts[2]:
                raise ValueError
            return Viewer(role, parts[1], parts[2],
                          UnitRole(parts[3]) if len(parts) == 4 else UnitRole.STAFF)
        if len(parts) != 2 or not parts[1]:
            raise ValueError
        return Viewer(role, parts[1])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: ROLE:ID or unit:ID:UNIT[:UNIT_ROLE], ROLE one of "
            f"{', '.join(r.value for r in Role)}, UNIT_ROLE one of "
            f"{', '.join(r.value for r in UnitRole)}") from None


def _read_json(arg: str) -> Any:
    try:
        text = sys.stdin.read() if arg == "-" else (
            Path(arg).read_text(encoding="utf-8") if not arg.lstrip().startswith("{") else arg)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {arg}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc


def _print(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter import bootstrap
    from callcenter.api import forms, tokens
    from callcenter.domain.kb import RequestKind
    from callcenter.domain.tickets import ConcurrentUpdate, Status, TicketError
    from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
    from callcenter.services.units import read_csv, read_toml

    if args.cmd == "api-token":
        try:
            if args.action == "add":
                print(tokens.add(settings.api_tokens_file, args.person))
            else:
                print(f"revoked {tokens.revoke(settings.api_tokens_file, args.id)} token(s)")
        except ValueError as exc:
            print(f"refused: api-token: {exc}", file=sys.stderr)
            return 2
        return 0
    hotline = bootstrap.build(settings)
    svc = hotline.tickets
    try:
        if args.cmd == "api":
            return _serve(settings, hotline)
        if args.cmd == "search":
            from callcenter.services.transcript_search import Filters

            hits = hotline.search().search(
                args.query, args.who,
                Filters(args.since, args.until, **{k: getattr(args, k) for k in TEXT_FILTERS}),
                args.limit)
            if args.json:
                _print(hits)
            for h in [] if args.json else hits:
                print(f"{h['call']}  {h['offset_s']:7.1f}s  {h['speaker']:8} {h['snippet']}")
            return 0
        if args.cmd == "transcript":
            _print(hotline.search().transcript(args.linkedid, args.who))
            return 0
        if args.cmd == "topics":
            return _topics(args, settings, hotline.topics())
        if args.cmd == "calendar":
            cal = hotline.calendar()
            if args.action == "reload":
                report = cal.recompute()
                print(f"calendar {settings.workdays_file} loaded (official years "
                      f"{svc.ctx.calendar.official_years()[0]}-"
                      f"{svc.ctx.calendar.official_years()[-1]}); {report.changed} tickets "
                      f"recomputed, {report.conflicts} changed meanwhile (run again)")
                return 0
            status = cal.status()
            if args.json:
                _print(status)
            else:
                _print_calendar(status)
            return 0 if status["ok"] else 1
        if args.cmd == "sweeper":
            return _sweep_forever(hotline.sweeper(), args.every)
        if args.cmd == "sweep":
            _print(asdict(hotline.sweeper().run()))
        elif args.cmd == "units":
            units = hotline.units()
            if args.action == "load":
                if args.if_empty and units.units():
                    print(f"{len(units.units())} units kept")
                    return 0
                units.replace(*read_toml(settings.units_file))
                print(f"{len(units.units())} units from {settings.units_file}")
            elif args.action == "import":
                units.replace(*read_csv(args.csv))
                print(f"{len(units.units())} units from {args.csv}")
            elif args.action == "list":
                _print([asdict(u) for u in units.units()])
            else:
                _print([asdict(p) for p in units.propose(args.address, args.category)])
        elif args.cmd == "kb":
            kb, who = svc.kb, args.who
            if args.action == "search":
                _print(kb.search(args.query))
            elif args.action == "save":
                _print(kb.get(kb.save(forms.article(_read_json(args.article)), who, args.id)))
            elif args.action == "request":
                print(kb.request(RequestKind(args.kind), args.text, who, args.unit, args.article))
            elif args.action == "requests":
                _print(kb.open_requests(who))
            else:
                kb.resolve(args.id, args.resolution, who)
        else:
            who = args.who
            if args.action == "register":
                _print(svc.get(svc.register(forms.registration(_read_json(args.form)), who,
                                            args.linkedid), who))
            elif args.action == "show":
                _print(svc.get(args.id, who))
            elif args.action == "audit":
                _print(svc.audit(args.id, who))
            elif args.action == "list":
                _print(svc.list(who, Status(args.status) if args.status else None, args.limit))
            elif args.action == "do":
                _print(svc.command(args.id, forms.parse_command(args.command,
                                                                _read_json(args.body)), who))
            elif args.action == "callbacks":
                _print(svc.callbacks_due(who, args.limit))
            elif args.action == "notices":
                _print(svc.office_notices(who, args.limit))
            elif args.action == "add-call":
                _print(svc.add_call(args.id, args.linkedid, who))
            else:
                svc.merge(args.id, args.into, who, args.reason)
                _print(svc.get(args.id, who))
        return 0
    except ValidationFailed as exc:
        print("refused: invalid fields: " + "; ".join(f"{field}: {problem}" for field, problem
                                                     in exc.fields.items()), file=sys.stderr)
        return 2
    except ConcurrentUpdate as exc:
        print(f"refused: concurrent_update: {exc}; read it again and retry", file=sys.stderr)
        return 2
    except (NotFound, Forbidden, TicketError, ValueError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    finally:
        hotline.close()


def _print_calendar(status: dict[str, Any]) -> None:
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


def _sweep_forever(sweeper: Any, every: float) -> int:
    """Sweep until SIGTERM or Ctrl-C; a sweep under way finishes its transaction first."""
    import logging

    from callcenter.workers import run_until_stopped

    log = logging.getLogger("callcenter.sweeper")

    def sweep() -> None:
        report = sweeper.run()
        if any(asdict(report).values()):
            log.info("sweep: %s", asdict(report))

    return run_until_stopped("sweeper", sweep, every)


def _topics(args: argparse.Namespace, settings: Settings, topics: Topics) -> int:
    from callcenter.domain.topics import read_toml as read_topics

    if args.action == "counts":
        _print(topics.counts(args.who, args.since, args.until, args.period))
    elif args.action == "call":
        _print(topics.of_call(args.linkedid, args.who))
    elif args.action == "respot":
        lists = read_topics(settings.topics_file)
        print(f"{topics.respot(lists, args.since)} recordings re-spotted for {len(lists)} "
              f"topics from {settings.topics_file}")
    else:
        _print({t.name: list(t.words) for t in read_topics(settings.topics_file)})
    return 0


def _serve(settings: Settings, hotline: Hotline) -> int:
    from aiohttp import web

    from callcenter.api.app import make_app

    app = make_app(hotline.api())
    print(f"API on http://{settings.api_host}:{settings.api_port}/api/v1/openapi.json")
    web.run_app(app, host=settings.api_host, port=settings.api_port, print=None)
    return 0
