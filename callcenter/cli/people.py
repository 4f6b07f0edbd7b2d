"""`callcenter people`: the console's people, from the command line (the machine's
administrator; no sign-in needed).

    callcenter people add zhang --name 张三 --role agent          (prints a one-time link)
    callcenter people add li --name 李四 --role unit --unit hexie-property --unit-role head
    callcenter people link zhang        (a new one-time link: a forgotten password)
    callcenter people disable zhang     (every session of theirs ends at once)
    callcenter people enable zhang
    callcenter people list
    callcenter people first-supervisor  (run-hotline.sh: a supervisor to begin with, once)
"""

from __future__ import annotations

import argparse
from typing import Any

from callcenter.cli.common import Verb, hotline_of, refusals
from callcenter.config import Settings
from callcenter.domain.people import LANGUAGES, SIGN_IN_ROLES, Person
from callcenter.domain.privacy import Role, UnitRole

FIRST = Person("banzhang", "值班长", Role.SUPERVISOR)


def add_parsers(sub: Any) -> dict[str, Verb]:
    p = sub.add_parser("people", help="the console's people: add, link, disable, enable, list")
    p.add_argument("action", choices=("add", "link", "disable", "enable", "list",
                                      "first-supervisor"))
    p.add_argument("id", nargs="?", default="")
    p.add_argument("--name", default="")
    p.add_argument("--role", choices=[r.value for r in SIGN_IN_ROLES])
    p.add_argument("--unit")
    p.add_argument("--unit-role", choices=[r.value for r in UnitRole], default="staff")
    p.add_argument("--language", choices=LANGUAGES, default="zh")
    return {"people": refusals(_people)}


def _link(settings: Settings, token: str) -> str:
    return f"http://{settings.api_host}:{settings.api_port}/signin/link/{token}"


def _people(args: argparse.Namespace, settings: Settings) -> int:
    with hotline_of(settings) as hotline:
        people = hotline.people()
        if args.action == "first-supervisor":
            # Only on a store with nobody in it: never a second door into a running hotline.
            if people.count():
                print("people exist already: `callcenter people link ID` gives a new link")
                return 0
            print(f"first supervisor {FIRST.id}: {_link(settings, people.create(None, FIRST))}")
            return 0
        if args.action == "list":
            for v in people.listing_all():
                flags = " (disabled)" if v["disabled"] else ""
                unit = f" {v['unit']}/{v['unit_role']}" if v["unit"] else ""
                print(f"{v['id']:16} {v['role']:10}{unit} {v['name']}{flags}")
            return 0
        if not args.id:
            print("refused: name the person's id")
            return 2
        if args.action == "add":
            if args.role is None:
                print("refused: --role is required (" + ", ".join(
                    r.value for r in SIGN_IN_ROLES) + ")")
                return 2
            unit_role = UnitRole(args.unit_role) if args.role == Role.UNIT.value \
                else UnitRole.STAFF
            person = Person(args.id, args.name, Role(args.role), args.unit,
                            unit_role, args.language)
            print(f"{args.id}: {_link(settings, people.create(None, person))}")
        elif args.action == "link":
            print(f"{args.id}: {_link(settings, people.sign_in_link(None, args.id))}")
        else:
            ended = people.set_disabled(None, args.id, args.action == "disable")
            print(f"{args.id} {args.action}d" + (f"; {ended} session(s) ended" if ended else ""))
    return 0
