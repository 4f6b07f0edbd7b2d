"""What every verb of the command line shares: who acts, reading JSON and dates, printing,
the one store of a command, and refusals as one line naming the rule."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callcenter.config import Settings
from callcenter.domain.privacy import Role, UnitRole, Viewer

if TYPE_CHECKING:
    from callcenter.bootstrap import Hotline

Verb = Callable[[argparse.Namespace, Settings], int]
HOTLINE_OFFICE = "supervisor:cli"  # who acts when --as is not given


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


def person(p: argparse.ArgumentParser,
           help: str = "act as ROLE:ID or unit:ID:UNIT[:staff|leader|head]") -> None:
    p.add_argument("--as", dest="who", default=HOTLINE_OFFICE, type=viewer_arg, help=help)


def utc_arg(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a date, YYYY-MM-DD[THH:MM]") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a date, YYYY-MM-DD") from None


def read_json(arg: str) -> Any:
    """JSON from a file, standard input (-) or the argument itself."""
    try:
        text = sys.stdin.read() if arg == "-" else (
            Path(arg).read_text(encoding="utf-8") if not arg.lstrip().startswith("{") else arg)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {arg}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def refuse(message: str) -> int:
    print(f"refused: {message}", file=sys.stderr)
    return 2


@contextlib.contextmanager
def hotline_of(settings: Settings, store_may_be_away: bool = False) -> Iterator[Hotline]:
    """The hotline of one command: built, used, closed."""
    from callcenter import bootstrap

    hotline = bootstrap.build(settings, store_may_be_away=store_may_be_away)
    try:
        yield hotline
    finally:
        hotline.close()


def refusals(verb: Verb) -> Verb:
    """A verb whose refusals by the services (invalid fields, not allowed, not found, a rule,
    a concurrent change) print one line and exit 2."""
    from callcenter.domain.agents import AgentError
    from callcenter.domain.conflicts import AlreadyStored
    from callcenter.domain.tickets import ConcurrentUpdate, TicketError
    from callcenter.services.errors import Forbidden, NotFound, ValidationFailed

    def guarded(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return verb(args, settings)
        except ValidationFailed as exc:
            return refuse("invalid fields: " + "; ".join(
                f"{field}: {problem}" for field, problem in exc.fields.items()))
        except ConcurrentUpdate as exc:
            return refuse(f"concurrent_update: {exc}; read it again and retry")
        except AlreadyStored:
            return refuse("already_stored: the same was stored meanwhile; read it again")
        except (NotFound, Forbidden, TicketError, AgentError, ValueError) as exc:
            return refuse(str(exc))

    return guarded
