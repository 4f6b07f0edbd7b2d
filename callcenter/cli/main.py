"""`callcenter` command line: each module of cli/ adds its verbs' parsers and returns its table
of verbs; `main` turns what no verb refused into one line naming the error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from callcenter import logs
from callcenter.cli import backup, desk, live, people, reports, serve, speech, tickets
from callcenter.cli.common import Verb
from callcenter.config import ConfigError, load_settings
from callcenter.domain.topics import TopicsError
from callcenter.secret_files import SecretError
from callcenter.telephony.render import RenderError


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Verb]]:
    p = argparse.ArgumentParser(prog="callcenter", description="12345 hotline controller")
    p.add_argument("--config", type=Path, help="config file (default config/hotline.toml)")
    sub = p.add_subparsers(dest="cmd", required=True)
    verbs: dict[str, Verb] = {}
    for module in (serve, tickets, speech, live, desk, reports, people, backup):
        verbs.update(module.add_parsers(sub))
    return p, verbs


def main(argv: list[str] | None = None) -> int:
    parser, verbs = _parser()
    args = parser.parse_args(argv)
    logs.configure()
    try:
        settings = load_settings(args.config)
        return verbs[args.cmd](args, settings)
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


if __name__ == "__main__":
    sys.exit(main())
