"""`callcenter desk`: agents at seats, from the command line, exactly as through the API.

    callcenter desk status
    callcenter desk 8001 login --agent zhang      (a supervisor logs an agent in)
    callcenter desk 8001 pause meal --as agent:zhang
    callcenter desk 8001 conference hexie-property  (三方通话: waits for the line's outcome)
    callcenter desk 8001 leave
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from callcenter.cli.common import Verb, hotline_of, person, refusals
from callcenter.config import Settings
from callcenter.domain.agents import COMMANDS, PAUSE_REASONS
from callcenter.domain.desk_calls import CALL_COMMANDS

FINISHED = ("done", "failed")


def add_parsers(sub: Any) -> dict[str, Verb]:
    d = sub.add_parser("desk", help="agents at seats: status, login, ready, pause, logout; "
                                    "conference a unit into the seat's call, leave it")
    d.add_argument("target", help="a seat id, or 'status' for every seat")
    d.add_argument("action", nargs="?", choices=(*COMMANDS, *CALL_COMMANDS, "pop"))
    d.add_argument("reason", nargs="?", help=f"pause reason: {', '.join(PAUSE_REASONS)}; "
                                             "conference: the unit's code")
    d.add_argument("--wait", type=float, default=90.0,
                   help="conference/leave: seconds to wait for the line's outcome")
    d.add_argument("--agent", default="", help="who logs in (a supervisor logging them in)")
    d.add_argument("--json", action="store_true")
    person(d, "act as ROLE:ID (an agent acts on their own seat)")
    _add_duty_parser(sub)
    _add_callbacks_parser(sub)
    _add_wallboard_parser(sub)
    return {"desk": refusals(_desk), "duty": refusals(_duty),
            "callbacks": refusals(_callbacks), "wallboard": refusals(_wallboard)}


def _desk(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        desk = hotline.desk()
        if args.target == "status":
            items = desk.statuses(args.who)
            if args.json:
                print(json.dumps(items, ensure_ascii=False, indent=2))
                return 0
            print(f"{'座席 seat':10} {'坐席员 agent':14} {'状态 state':12} {'原因 reason':12} "
                  f"{'时长s':>8}")
            for it in items:
                reason = PAUSE_REASONS.get(it["reason"], it["reason"])
                seconds = f"{it['seconds']:8.0f}" if it["seconds"] is not None else "       -"
                print(f"{it['seat']:10} {it['agent'] or '-':14} {it['state']:12} "
                      f"{reason or '-':12} {seconds}")
            return 0
        if args.action is None:
            print("refused: desk: say what to do at the seat: " + ", ".join(COMMANDS),
                  file=sys.stderr)
            return 2
        if args.action in CALL_COMMANDS:
            return _on_the_line(hotline.desk_calls(), args)
        if args.action == "pop":
            print(json.dumps(hotline.screen_pop().pop(args.target, args.who),
                             ensure_ascii=False, indent=2))
            return 0
        view = desk.act(args.target, args.action, args.who, args.reason or "", args.agent)
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return 0


def _on_the_line(calls: Any, args: argparse.Namespace) -> int:
    """Store the request, then follow it until the controller says how it went."""
    import time

    asked = calls.request(args.target, args.action, args.reason or "", args.who)
    deadline = time.monotonic() + args.wait
    said = ""
    view = asked
    while view["state"] not in FINISHED and time.monotonic() < deadline:
        time.sleep(0.3)
        view = calls.get(asked["id"], args.who)
        if view["detail"] and view["detail"] != said and view["state"] not in FINISHED:
            said = view["detail"]
            print(said, file=sys.stderr)
    if args.json or view["state"] == "done":
        print(json.dumps(view, ensure_ascii=False, indent=2))
    if view["state"] == "done":
        return 0
    if view["state"] == "failed":
        print(f"refused: {view['detail']}", file=sys.stderr)
        return 1
    print(f"refused: desk.no_controller: request {view['id']} still {view['state']} after "
          f"{args.wait:.0f} s: is the controller running?", file=sys.stderr)
    return 1


def _add_duty_parser(sub: Any) -> None:
    d = sub.add_parser("duty", help="after hours: day or night now, who is on duty; force day, "
                                    "night or back to the schedule (auto)")
    d.add_argument("action", choices=("show", "force", "pin"))
    d.add_argument("mode", nargs="?", help="force: day, night or auto; pin: the supervisor's id")
    d.add_argument("--json", action="store_true")
    person(d, "act as ROLE:ID (only a supervisor forces)")


def _duty(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "pin":
        from callcenter import secret_files
        from callcenter.services import duty_pins

        if not args.mode:
            print("refused: duty.pin: say whose PIN (a supervisor's id)", file=sys.stderr)
            return 2
        try:
            pin = duty_pins.set_pin(settings.duty_pins_file, args.mode)
        except secret_files.SecretError as exc:
            print(f"refused: duty.pin: {exc}", file=sys.stderr)
            return 2
        print(f"PIN for {args.mode}: {pin}  (dial *88 at a seat; shown once, stored hashed in "
              f"{settings.duty_pins_file})")
        return 0
    with hotline_of(settings) as hotline:
        duty = hotline.duty()
        if args.action == "force":
            if args.mode not in ("day", "night", "auto"):
                print("refused: duty.mode: say day, night or auto", file=sys.stderr)
                return 2
            view = duty.force(args.mode, args.who)
        else:
            view = duty.show(args.who)
        if args.json:
            print(json.dumps(view, ensure_ascii=False, indent=2))
            return 0
        line = "夜间 night" if view["line"] == "night" else "日间 day"
        print(f"{line}  ({view['why']}; mode {view['mode']}"
              + (f", forced by {view['forced_by']}" if view["forced_by"] else "") + ")")
        print(f"today ({view['today']['kind']}): {', '.join(view['today']['hours']) or '-'}")
        for p, label in ((view["duty"], "值班 duty"), (view["leader"], "带班 leader")):
            print(f"{label}: {p['name']} {p['phone']}" if p else f"{label}: -")
        return 0


def _add_callbacks_parser(sub: Any) -> None:
    d = sub.add_parser("callbacks", help="missed calls; call one back from a seat (回拨)")
    d.add_argument("action", choices=("list", "place"))
    d.add_argument("call", nargs="?", help="place: the missed call's id (from list)")
    d.add_argument("--seat", default="", help="place: the seat whose phone rings first")
    d.add_argument("--ticket", type=int, default=0,
                   help="place: a closed ticket's satisfaction callback (回访) instead; "
                        "without --seat the line asks by keys")
    d.add_argument("--wait", type=float, default=90.0,
                   help="place: seconds to wait for the outcome")
    d.add_argument("--json", action="store_true")
    person(d, "act as ROLE:ID (an agent from their own seat)")


def _callbacks(args: argparse.Namespace, settings: Settings) -> int:
    import time

    with hotline_of(settings) as hotline:
        calls = hotline.callbacks()
        if args.action == "list":
            items = calls.missed(args.who)
            if args.json:
                print(json.dumps(items, ensure_ascii=False, indent=2))
                return 0
            print(f"{'通话 call':20} {'号码 number':14} {'未接 missed at':26} {'再来电':6} "
                  f"{'应回拨':6} 回拨 callback")
            for it in items:
                cb = it["callback"]
                print(f"{it['call']:20} {it['number']:14} {it['missed_at']:26} "
                      f"{'yes' if it['called_again'] else '-':6} "
                      f"{'yes' if it['due_by_policy'] else '-':6} "
                      f"{cb['state'] if cb else '-'}")
            return 0
        if args.ticket:
            view = calls.request_survey(args.ticket, args.who, args.seat)
        elif not args.call or not args.seat:
            print("refused: callbacks.place: say which call and --seat (or --ticket)",
                  file=sys.stderr)
            return 2
        else:
            view = calls.request(args.call, args.seat, args.who)
        deadline = time.monotonic() + args.wait
        while view["state"] in ("pending", "placing") and time.monotonic() < deadline:
            time.sleep(0.3)
            view = calls.get(view["id"], args.who)
        print(json.dumps(view, ensure_ascii=False, indent=2))
        if view["state"] == "answered":
            return 0
        if view["state"] in ("pending", "placing"):
            print(f"refused: desk.no_controller: callback {view['id']} still {view['state']} "
                  f"after {args.wait:.0f} s: is the controller running?", file=sys.stderr)
        else:
            print(f"refused: callbacks.{view['state']}: {view['detail']}", file=sys.stderr)
        return 1


def _add_wallboard_parser(sub: Any) -> None:
    d = sub.add_parser("wallboard", help="live numbers: waiting, longest wait, agents by state, "
                                         "the last 24 h (answered within 15 s, abandoned, "
                                         "answer rate)")
    d.add_argument("--json", action="store_true")
    person(d, "read as ROLE:ID")


def _wallboard(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        view = hotline.wallboard().view(args.who)
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return 0
    line, day = view["line"], view["last_24h"]
    seen = view["line_seen_s"]
    print(f"排队 waiting {line['waiting']}  最长 longest {line['longest_wait_s']:.0f} s  "
          f"通话 talking {line['talking']}  菜单 in menu {line['in_menu']}"
          + ("  (controller not seen yet)" if seen is None else
             f"  (as of {seen:.0f} s ago)" if seen > 5 else ""))
    print("坐席 agents: " + ", ".join(f"{k} {v}" for k, v in
                                    sorted(view["agents"]["by_state"].items())))

    def fig(name: str) -> str:
        f = day[name]
        if f["denominator"] is None:
            return str(f["value"])
        value = "-" if f["value"] is None else f"{f['value'] * 100:.1f}%"
        return f"{value} ({f['numerator']}/{f['denominator']})"

    print(f"24 h: 呼入 offered {fig('calls_offered')}, 接通 answered {fig('calls_answered')}, "
          f"接通率 answer rate {fig('answer_rate')}, 15 s 内 {fig('within_15s_rate')}, "
          f"菜单放弃 {fig('abandoned_ivr')}, 排队放弃 {fig('abandoned_queue')}")
    return 0
