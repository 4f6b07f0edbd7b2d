"""`callcenter` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from callcenter import cli_desk, cli_reports, cli_speech, cli_tickets, logs
from callcenter.config import ConfigError, Settings, load_settings
from callcenter.domain.privacy import mask_number
from callcenter.domain.topics import TopicsError
from callcenter.secret_files import SecretError
from callcenter.telephony.render import RenderError


def _since(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--since: not an ISO date/time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="callcenter", description="12345 hotline controller")
    p.add_argument("--config", type=Path, help="config file (default config/hotline.toml)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="run the controller (AMI + FastAGI + call store)")
    sb = sub.add_parser("sandbox", help="the sandbox Asterisk")
    sb.add_argument("action", choices=["install", "start", "stop", "status"])
    rd = sub.add_parser("render", help="write the hotline's Asterisk files for your own Asterisk")
    rd.add_argument("--out", type=Path, required=True)
    ss = sub.add_parser("seat-secrets", help="give every seat a SIP secret (production profile)")
    ss.add_argument("--show", metavar="SEAT", help="print this seat's secret, for its phone")
    cli_tickets.add_parsers(sub)
    cli_speech.add_parsers(sub)
    cli_desk.add_parsers(sub, cli_tickets.viewer_arg)
    cli_reports.add_parsers(sub, cli_tickets.viewer_arg)
    cli_desk.add_duty_parser(sub, cli_tickets.viewer_arg)
    cli_desk.add_callbacks_parser(sub, cli_tickets.viewer_arg)
    cli_desk.add_wallboard_parser(sub, cli_tickets.viewer_arg)
    calls = sub.add_parser("calls", help="list stored calls")
    calls.add_argument("--since", type=_since)
    calls.add_argument("--limit", type=int, default=50)
    calls.add_argument("--json", action="store_true")
    sim = sub.add_parser("simulate", help="SIPp citizens call the sandbox line; SIPp seats answer")
    sim.add_argument("--calls", type=int, default=3)
    sim.add_argument("--hold", type=float, default=25.0,
                     help="seconds each citizen stays on, prompts (about 7 s) included")
    sim.add_argument("--key", help="menu key the citizens press (menu must be enabled)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()
    try:
        settings = load_settings(args.config)
        return _dispatch(args, settings)
    except (ConfigError, SecretError, RenderError, TopicsError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A port already taken, a folder not writable: say which, without a traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        # The statement and its parameters (phone numbers) stay out of the terminal.
        print(f"error: the store did not answer ({type(exc).__name__}); check [store] url "
              "or CALLCENTER_DB_URL", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from callcenter import sandbox

    if args.cmd == "run":
        from callcenter import bootstrap
        from callcenter.controller import run_forever

        hotline = bootstrap.build(settings)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(run_forever(settings, hotline.controller()))
        finally:
            hotline.close()
        return 0
    if args.cmd == "sandbox":
        instance = sandbox.default_instance(settings)
        if args.action == "install":
            sandbox.install(settings)
        elif args.action == "start":
            sandbox.install(settings)
            if instance.pid() is not None:
                print(f"sandbox already running (pid {instance.pid()})")
                return 0
            sandbox.prepare(settings, instance)
            pid = sandbox.start(settings, instance)
            print(f"sandbox Asterisk running, pid {pid}; SIP 127.0.0.1:{settings.sip_port}, "
                  f"AMI 127.0.0.1:{settings.ami_port}; log {instance.log_file}")
        elif args.action == "stop":
            print("stopped" if sandbox.stop(instance) else "was not running")
        else:
            info = sandbox.status(instance)
            info["root"] = str(sandbox.base_root(settings))
            info["root_ok"] = sandbox.root_is_sound(sandbox.base_root(settings))
            print(json.dumps(info, ensure_ascii=False, indent=2))
            return 0 if info["running"] else 3
        return 0
    if args.cmd == "render":
        from callcenter.telephony import render

        files = render.render(settings, args.out, settings.ami_secret(),
                              settings.seat_secrets() if settings.profile == "production"
                              else None, files=render.HOTLINE_FILES)
        for f in files:
            print(f)
        print("#include these from your extensions.conf, queues.conf and pjsip.conf, and add "
              "the AMI user of dialplan/manager.conf to your manager.conf.")
        return 0
    if args.cmd == "desk":
        return cli_desk.dispatch(args, settings)
    if args.cmd == "duty":
        return cli_desk.dispatch_duty(args, settings)
    if args.cmd == "callbacks":
        return cli_desk.dispatch_callbacks(args, settings)
    if args.cmd == "wallboard":
        return cli_desk.dispatch_wallboard(args, settings)
    if args.cmd in ("report", "reports"):
        return cli_reports.dispatch(args, settings)
    if args.cmd in ("transcriber", "transcribe"):
        return cli_speech.dispatch(args, settings)
    if args.cmd in ("tickets", "kb", "units", "sweep", "sweeper", "calendar", "api",
                    "api-token", "search", "topics", "transcript"):
        return cli_tickets.dispatch(args, settings)
    if args.cmd == "seat-secrets":
        return _seat_secrets(settings, args.show)
    if args.cmd == "calls":
        return _calls(settings, args)
    if args.cmd == "simulate":
        from callcenter.demo import simulate_calls

        return simulate_calls(settings, args.calls, args.hold, args.key)
    return 2


def _seat_secrets(settings: Settings, show: str | None) -> int:
    from callcenter import secret_files

    path = settings.seat_secrets_file
    added = secret_files.ensure_seat_secrets(path, [s.id for s in settings.seats])
    if show is not None:
        secret = secret_files.load_seat_secrets(path).get(show)
        if secret is None:
            print(f"no seat {show!r} in the configuration", file=sys.stderr)
            return 2
        print(secret)
        return 0
    print(f"{path}: new secrets for {', '.join(added)}" if added else
          f"{path}: every seat already has a secret")
    return 0


def _calls(settings: Settings, args: argparse.Namespace) -> int:
    from callcenter import bootstrap

    hotline = bootstrap.build(settings)
    try:
        rows = hotline.call_log.list(args.since, args.limit)
    finally:
        hotline.close()
    items = []
    for r in rows:
        items.append({
            "linkedid": r.linkedid, "caller": mask_number(r.caller_number),
            "dialled": r.dialled_number, "started_at": r.started_at.isoformat(),
            "ended_at": r.ended_at.isoformat() if r.ended_at else None,
            "ivr_choice": r.ivr_choice, "fallback": r.fallback, "queue": r.queue,
            "wait_s": r.wait_s, "seat": r.seat, "talk_s": r.talk_s,
            "hung_up_by": r.hung_up_by, "disposition": r.disposition,
            "recordings": [{"kind": x.kind, "path": x.path, "duration_s": x.duration_s,
                            "sha256": x.sha256, "error": x.error} for x in r.recordings],
        })
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


if __name__ == "__main__":
    sys.exit(main())
