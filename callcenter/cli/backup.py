"""`callcenter backup`: the store and the recordings, copied while the line runs, and put
back (docs/operations.md, "Backup and restore").

    callcenter backup take /srv/backup/2026-12-07      (a folder that does not exist yet)
    callcenter backup restore /srv/backup/2026-12-07   (into an empty store and this root)
    callcenter backup verify                           (every recording against its hash)

Each prints one line and exits 0, or names what is wrong and exits 1.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from callcenter.cli.common import Verb, hotline_of, refuse
from callcenter.config import Settings
from callcenter.services.backup import Outcome, read_manifest
from callcenter.storage import backup as store_backup


def add_parsers(sub: Any) -> dict[str, Verb]:
    p = sub.add_parser("backup", help="back up the store and the recordings, restore, verify")
    p.add_argument("action", choices=("take", "restore", "verify"))
    p.add_argument("folder", nargs="?", type=Path)
    return {"backup": _backup}


def _said(what: str, out: Outcome) -> int:
    print(f"{what}: {out.copied} recordings ({out.bytes / 1e6:.1f} MB)"
          + (f", store {out.store}" if out.store else "")
          + ("" if out.ok else f"; {len(out.problems)} problems"))
    for problem in out.problems[:50]:
        print(f"  {problem}")
    return 0 if out.ok else 1


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    folder: Path | None = args.folder
    if args.action == "verify":
        with hotline_of(settings) as hotline:
            return _said("verified", hotline.backups().verify())
    if folder is None:
        return refuse(f"backup {args.action}: name the backup's folder")
    if args.action == "take":
        if folder.exists():
            return refuse(f"backup take: {folder} exists; a backup goes into a new folder")
        with hotline_of(settings) as hotline:
            return _said(f"backed up into {folder}", hotline.backups().take(folder))
    try:
        manifest = read_manifest(folder)
    except FileNotFoundError as exc:
        return refuse(f"backup restore: {exc}")
    if manifest.get("store_kind") != store_backup.kind_of(settings.store_url):
        return refuse(f"backup restore: the backup holds a {manifest.get('store_kind')} store "
                      f"and [store] url is {store_backup.kind_of(settings.store_url)}")
    try:
        store_backup.restore(settings.store_url, folder / str(manifest["store"]))
    except store_backup.BackupError as exc:
        return refuse(f"backup restore: {exc}")
    with hotline_of(settings) as hotline:  # migrated: an older backup meets today's schema
        backups = hotline.backups()
        placed = backups.put_back(folder)
        checked = backups.verify()
    placed.problems += [p for p in checked.problems if p not in placed.problems]
    return _said(f"restored from {folder}", placed)
