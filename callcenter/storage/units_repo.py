"""Repository of the units directory: stages reads and writes on the session it is given."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from callcenter.domain.units import Coverage, Unit, parse_area
from callcenter.storage.ticket_tables import UnitAreaRow, UnitRow


def _unit(r: UnitRow) -> Unit:
    return Unit(r.code, r.name, r.parent, r.contact, r.phone, r.duty_phone, r.office_hours)


class UnitsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def replace(self, units: list[Unit], coverages: list[Coverage]) -> None:
        self.s.execute(delete(UnitAreaRow))
        self.s.execute(delete(UnitRow))
        if units:
            self.s.execute(insert(UnitRow), [u.__dict__ for u in units])
        if coverages:
            self.s.execute(insert(UnitAreaRow), [
                {"unit": c.unit, "area": "/".join(c.area), "category": c.category}
                for c in coverages])

    def all(self) -> list[Unit]:
        return [_unit(r) for r in self.s.scalars(select(UnitRow).order_by(UnitRow.code))]

    def get(self, code: str) -> Unit | None:
        row = self.s.get(UnitRow, code)
        return _unit(row) if row is not None else None

    def missing(self, codes: list[str]) -> list[str]:
        found = set(self.s.scalars(select(UnitRow.code).where(UnitRow.code.in_(codes))))
        return [c for c in codes if c not in found]

    def parent_of(self, code: str) -> str | None:
        return self.s.scalar(select(UnitRow.parent).where(UnitRow.code == code))

    def coverages(self) -> list[Coverage]:
        return [Coverage(r.unit, parse_area(r.area), r.category)
                for r in self.s.scalars(select(UnitAreaRow))]
