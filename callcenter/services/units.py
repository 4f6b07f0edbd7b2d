"""The units directory: loaded from config/units.toml or imported from CSV, stored, and asked
which unit answers for an address and a category.

An import replaces the directory as a whole, in one transaction, and only if every row is
valid: a half-imported directory would send tickets to the wrong desks.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import Any

from callcenter.domain.units import (
    ANY,
    Coverage,
    DirectoryError,
    Proposal,
    Unit,
    check_directory,
    parse_area,
    propose,
)
from callcenter.services.ports import UnitsOfWork

CSV_COLUMNS = ("code", "name", "parent", "contact", "phone", "duty_phone", "office_hours",
               "areas", "categories")


def _unit(d: dict[str, Any]) -> Unit:
    return Unit(code=str(d.get("code", "")).strip(), name=str(d.get("name", "")).strip(),
                parent=str(d["parent"]).strip() or None if d.get("parent") else None,
                contact=str(d.get("contact", "")), phone=str(d.get("phone", "")),
                duty_phone=str(d.get("duty_phone", "")),
                office_hours=str(d.get("office_hours", "")))


def _coverages(code: str, areas: list[str], categories: list[str]) -> list[Coverage]:
    cats = [c.strip() for c in categories if c.strip()] or [ANY]
    return [Coverage(code, parse_area(a), c) for a in areas for c in cats]


def read_toml(path: Path) -> tuple[list[Unit], list[Coverage]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DirectoryError(f"{path}: {exc}") from exc
    units, covs = [], []
    for d in data.get("units", []):
        u = _unit(d)
        units.append(u)
        covs += _coverages(u.code, list(d.get("areas", [])), list(d.get("categories", [])))
    return units, covs


def read_csv(path: Path) -> tuple[list[Unit], list[Coverage]]:
    """CSV with the header CSV_COLUMNS; areas and categories are `;`-separated."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DirectoryError(f"{path}: {exc}") from exc
    if rows and set(rows[0]) != set(CSV_COLUMNS):
        raise DirectoryError(f"{path}: header must be {','.join(CSV_COLUMNS)}")
    units, covs = [], []
    for row in rows:
        u = _unit(row)
        units.append(u)
        covs += _coverages(u.code, (row.get("areas") or "").split(";"),
                           (row.get("categories") or "").split(";"))
    return units, covs


class UnitsDirectory:
    def __init__(self, uow: UnitsOfWork) -> None:
        self.uow = uow

    def replace(self, units: list[Unit], coverages: list[Coverage]) -> None:
        problems = check_directory(units, coverages)
        if problems:
            raise DirectoryError("; ".join(problems))
        with self.uow() as uow:
            uow.units.replace(units, coverages)

    def units(self) -> list[Unit]:
        with self.uow(read_only=True) as uow:
            return uow.units.all()

    def propose(self, address: str, category: str) -> list[Proposal]:
        with self.uow(read_only=True) as uow:
            covs = uow.units.coverages()
        return propose(address, category, covs)
