"""Running the hotline: `callcenter run` (the controller), `api` and `api-token`, `sandbox`,
`render`, `seat-secrets`, `calls`, `reconcile` and `simulate`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callcenter import realtime
from callcenter.cli.common import Verb, hotline_of, refuse, utc_arg, viewer_arg
from callcenter.config import Settings
from callcenter.domain.privacy import mask_number

if TYPE_CHECKING:
    from callcenter.controller import Controller

log = logging.getLogger(__name__)


def add_parsers(sub: Any) -> dict[str, Verb]:
    sub.add_parser("run", help="run the controller (AMI + FastAGI + call store)")
    sb = sub.add_parser("sandbox", help="the sandbox Asterisk")
    sb.add_argument("action", choices=["install", "start", "stop", "status"])
    rd = sub.add_parser("render", help="write the hotline's Asterisk files for your own "
                                       "Asterisk, and systemd units for its processes")
    rd.add_argument("--out", type=Path, required=True)
    rd.add_argument("--user", default="callcenter", help="who the systemd units run as")
    ss = sub.add_parser("seat-secrets", help="give every seat a SIP secret (production profile)")
    ss.add_argument("--show", metavar="SEAT", help="print this seat's secret, for its phone")
    calls = sub.add_parser("calls", help="list stored calls")
    calls.add_argument("--since", type=utc_arg)
    calls.add_argument("--limit", type=int, default=50)
    calls.add_argument("--json", action="store_true")
    rc = sub.add_parser("reconcile", help="check the stored calls against Asterisk's own CEL "
                                          "account: each citizen's call stored once")
    rc.add_argument("--cel", type=Path, help="hotline-cel.csv (default: the sandbox's, or "
                                             "/var/log/asterisk/hotline-cel.csv)")
    rc.add_argument("--since", type=utc_arg, help="from this time on (default: 24 hours ago)")
    rc.add_argument("--json", action="store_true")
    sim = sub.add_parser("simulate", help="SIPp citizens call the sandbox line; SIPp seats answer")
    sim.add_argument("--calls", type=int, default=3)
    sim.add_argument("--hold", type=float, default=25.0,
                     help="seconds each citizen stays on, prompts (about 7 s) included")
    sim.add_argument("--key", help="menu key the citizens press (menu must be enabled)")
    sub.add_parser("api", help="serve the console and the JSON API")
    tk = sub.add_parser("api-token", help="API tokens: add (printed once) or revoke")
    tks = tk.add_subparsers(dest="action", required=True)
    add = tks.add_parser("add")
    add.add_argument("person", type=viewer_arg, help="ROLE:ID[:UNIT]")
    rv = tks.add_parser("revoke")
    rv.add_argument("id")
    return {"run": _run, "sandbox": _sandbox, "render": _render, "seat-secrets": _seat_secrets,
            "calls": _calls, "reconcile": _reconcile, "simulate": _simulate, "api": _api,
            "api-token": _api_token}


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from callcenter.controller import run_forever
    from callcenter.controller_metrics import ControllerMetrics

    async def main(controller: Controller) -> None:
        runner = None
        port = settings.controller_metrics_port
        if port:
            runner = web.AppRunner(ControllerMetrics(controller).app(), access_log=None)
            await runner.setup()
            try:
                await web.TCPSite(runner, "127.0.0.1", port).start()  # loopback only, always
            except OSError as exc:  # the line matters more than its figures: go on without
                log.warning("controller metrics not served on 127.0.0.1:%d: %s", port,
                            exc.strerror or type(exc).__name__)
                await runner.cleanup()
                runner, port = None, 0
        try:
            await run_forever(controller, f"AMI {settings.ami_host}:{settings.ami_port}, "
                                          f"FastAGI {settings.agi_host}:{settings.agi_port}"
                                          + (f", metrics 127.0.0.1:{port}" if port else ""))
        finally:
            if runner is not None:
                await runner.cleanup()

    # Before the loop starts its threads: they are to keep normal scheduling.
    why_not = realtime.loop_first(settings.controller_realtime)
    if why_not is None:
        log.info("controller: the event loop runs real-time (round-robin, priority %d)",
                 settings.controller_realtime)
    elif settings.controller_realtime:
        log.warning("controller: the event loop runs at normal priority: %s", why_not)
    with hotline_of(settings, store_may_be_away=True) as hotline, \
            contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(hotline.controller()))
    return 0


def _sandbox_start(settings: Settings) -> int:
    from callcenter import sandbox

    instance = sandbox.default_instance(settings)
    sandbox.install(settings)
    if instance.pid() is not None:
        print(f"sandbox already running (pid {instance.pid()})")
        return 0
    sandbox.prepare(settings, instance)
    pid = sandbox.start(settings, instance)
    print(f"sandbox Asterisk running, pid {pid}; SIP 127.0.0.1:{settings.sip_port}, "
          f"AMI 127.0.0.1:{settings.ami_port}; log {instance.log_file}")
    return 0


def _sandbox_install(settings: Settings) -> int:
    from callcenter import sandbox

    sandbox.install(settings)
    return 0


def _sandbox_stop(settings: Settings) -> int:
    from callcenter import sandbox

    print("stopped" if sandbox.stop(sandbox.default_instance(settings)) else "was not running")
    return 0


def _sandbox_status(settings: Settings) -> int:
    from callcenter import sandbox

    info = sandbox.status(sandbox.default_instance(settings))
    info["root"] = str(sandbox.base_root(settings))
    info["root_ok"] = sandbox.root_is_sound(sandbox.base_root(settings))
    print(json.dumps(info, ensure_ascii=False, indent=2))
    return 0 if info["running"] else 3


_SANDBOX: dict[str, Callable[[Settings], int]] = {
    "install": _sandbox_install, "start": _sandbox_start, "stop": _sandbox_stop,
    "status": _sandbox_status}


def _sandbox(args: argparse.Namespace, settings: Settings) -> int:
    return _SANDBOX[args.action](settings)


def _render(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.telephony import render

    files = render.render(settings, args.out, settings.ami_secret(),
                          settings.seat_secrets() if settings.profile == "production"
                          else None, files=render.HOTLINE_FILES)
    for f in files:
        print(f)
    print("#include these from your extensions.conf, queues.conf and pjsip.conf, and add "
          "the AMI user of dialplan/manager.conf to your manager.conf.")
    from callcenter.config import config_file
    from callcenter.systemd import render_units

    config = config_file(args.config, settings.project_root)
    for f in render_units(settings, args.out / "systemd", config, args.user):
        print(f)
    print(f"systemd units: copy them to /etc/systemd/system/, create the user {args.user}, "
          "then `systemctl enable --now callcenter-controller callcenter-api "
          "callcenter-transcriber callcenter-reports callcenter-sweeper`, and "
          "callcenter-live when [live] port is set.")
    return 0


def _seat_secrets(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter import secret_files

    path = settings.seat_secrets_file
    added = secret_files.ensure_seat_secrets(path, [s.id for s in settings.seats])
    if args.show is not None:
        secret = secret_files.load_seat_secrets(path).get(args.show)
        if secret is None:
            print(f"no seat {args.show!r} in the configuration", file=sys.stderr)
            return 2
        print(secret)
        return 0
    print(f"{path}: new secrets for {', '.join(added)}" if added else
          f"{path}: every seat already has a secret")
    return 0


def _calls(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        rows = hotline.call_log.list(args.since, args.limit)
    items = [{
        "linkedid": r.linkedid, "caller": mask_number(r.caller_number),
        "dialled": r.dialled_number, "started_at": r.started_at.isoformat(),
        "ended_at": r.ended_at.isoformat() if r.ended_at else None,
        "ivr_choice": r.ivr_choice, "fallback": r.fallback, "queue": r.queue,
        "wait_s": r.wait_s, "seat": r.seat, "talk_s": r.talk_s,
        "hung_up_by": r.hung_up_by, "disposition": r.disposition,
        "recordings": [{"kind": x.kind, "path": x.path, "duration_s": x.duration_s,
                        "sha256": x.sha256, "error": x.error} for x in r.recordings],
    } for r in rows]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    tz = settings.tz
    print(f"{'开始 start':20} {'来电 caller':14} {'结果 disposition':17} {'座席':5} "
          f"{'等待s':>6} {'通话s':>6}")
    for r, it in zip(rows, items, strict=True):
        print(f"{r.started_at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {it['caller']:14} "
              f"{r.disposition:17} {r.seat or '-':5} {r.wait_s or 0:6.1f} {r.talk_s or 0:6.1f}")
    return 0


def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from callcenter.domain.reconcile import CelError

    cel = args.cel
    if cel is None:
        from callcenter import sandbox

        cel = Path("/var/log/asterisk/hotline-cel.csv")
        if settings.profile == "sandbox":
            cel = sandbox.default_instance(settings).merged / cel.relative_to("/")
    since = args.since or dt.datetime.now(dt.UTC) - dt.timedelta(hours=24)
    try:
        text = cel.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return refuse(f"reconcile: {cel}: {exc.strerror} (is CEL on? dialplan/cel.conf)")
    with hotline_of(settings) as hotline:
        try:
            found = hotline.call_log.reconcile(text, since)
        except CelError as exc:
            return refuse(f"reconcile: {exc}")
    faults = {"missing": found.missing, "split": found.split, "unknown": found.unknown}
    if args.json:
        print(json.dumps({"ok": found.ok, "citizen_calls": found.citizen_calls,
                          "stored": found.stored, "open": found.open, **faults}, indent=2))
    else:
        print(f"{'一致 ok' if found.ok else '不一致 MISMATCH'}: Asterisk {found.citizen_calls} "
              f"citizen calls finished, {found.stored} stored, {len(found.open)} still on")
        for what, ids in faults.items():
            for lid in ids:
                print(f"  {what}: {lid}")
    return 0 if found.ok else 1


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.demo import simulate_calls

    return simulate_calls(settings, args.calls, args.hold, args.key)


def _api(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from callcenter.api.request_log import RequestLog
    from callcenter.console.app import make_console_app

    with hotline_of(settings) as hotline:
        app = make_console_app(hotline.console())
        base = f"http://{settings.api_host}:{settings.api_port}"
        print(f"console on {base}/ ; API on {base}/api/v1/openapi.json", flush=True)
        web.run_app(app, host=settings.api_host, port=settings.api_port, print=None,
                    access_log_class=RequestLog)
    return 0


def _api_token(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter.api import tokens

    try:
        if args.action == "add":
            print(tokens.add(settings.api_tokens_file, args.person))
        else:
            print(f"revoked {tokens.revoke(settings.api_tokens_file, args.id)} token(s)")
    except ValueError as exc:
        return refuse(f"api-token: {exc}")
    return 0
