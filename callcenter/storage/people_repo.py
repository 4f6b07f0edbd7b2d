"""Repository of the console's people and their sessions. Stages work; never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from callcenter.domain.people import Person
from callcenter.domain.privacy import Role, UnitRole
from callcenter.storage.people_tables import ConsoleSessionRow, PersonRow


def _person(r: PersonRow) -> Person:
    return Person(r.id, r.name, Role(r.role), r.unit, UnitRole(r.unit_role), r.language,
                  r.disabled)


class PeopleRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, p: Person, password_hash: str, at: datetime, by: str) -> None:
        self.s.add(PersonRow(id=p.id, name=p.name, role=p.role.value, unit=p.unit,
                             unit_role=p.unit_role.value, language=p.language,
                             password_hash=password_hash, disabled=p.disabled, created_at=at,
                             created_by=by))
        self.s.flush()  # a taken id surfaces here, inside the unit of work

    def get(self, person_id: str) -> Person | None:
        row = self.s.get(PersonRow, person_id)
        return None if row is None else _person(row)

    def password_hash(self, person_id: str) -> str | None:
        return self.s.scalar(select(PersonRow.password_hash).where(PersonRow.id == person_id))

    def all(self) -> list[Person]:
        return [_person(r) for r in self.s.scalars(select(PersonRow).order_by(PersonRow.id))]

    def set_password(self, person_id: str, password_hash: str) -> bool:
        done = self.s.execute(update(PersonRow).where(PersonRow.id == person_id)
                              .values(password_hash=password_hash))
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def set_link(self, person_id: str, digest: str | None, until: datetime | None) -> bool:
        done = self.s.execute(update(PersonRow).where(PersonRow.id == person_id)
                              .values(link_digest=digest, link_until=until))
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def take_link(self, digest: str, now: datetime) -> Person | None:
        """The person whose one-time link this is, if it still works; it works only once."""
        row = self.s.scalar(select(PersonRow).where(PersonRow.link_digest == digest)
                            .with_for_update())
        if row is None or row.link_until is None:
            return None
        row.link_digest, until, row.link_until = None, row.link_until, None
        return _person(row) if now < until else None

    def set_disabled(self, person_id: str, disabled: bool) -> bool:
        done = self.s.execute(update(PersonRow).where(PersonRow.id == person_id)
                              .values(disabled=disabled))
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def set_language(self, person_id: str, language: str) -> None:
        self.s.execute(update(PersonRow).where(PersonRow.id == person_id)
                       .values(language=language))

    def count(self) -> int:
        return len(list(self.s.scalars(select(PersonRow.id))))

    # -- sessions -------------------------------------------------------------------------
    def open_session(self, digest: str, person_id: str, csrf: str, at: datetime) -> None:
        self.s.add(ConsoleSessionRow(digest=digest, person=person_id, csrf=csrf, created_at=at,
                                     seen_at=at))

    def session(self, digest: str) -> tuple[Person, str, datetime, datetime] | None:
        """The session's person, its CSRF token, when it began and when it was last seen."""
        row = self.s.execute(select(PersonRow, ConsoleSessionRow).join(
            ConsoleSessionRow, ConsoleSessionRow.person == PersonRow.id).where(
            ConsoleSessionRow.digest == digest)).first()
        if row is None:
            return None
        person, sess = row
        return _person(person), sess.csrf, sess.created_at, sess.seen_at

    def seen(self, digest: str, at: datetime) -> None:
        self.s.execute(update(ConsoleSessionRow).where(ConsoleSessionRow.digest == digest)
                       .values(seen_at=at))

    def close_session(self, digest: str) -> None:
        self.s.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.digest == digest))

    def close_sessions_of(self, person_id: str) -> int:
        done = self.s.execute(delete(ConsoleSessionRow).where(
            ConsoleSessionRow.person == person_id))
        return int(done.rowcount)  # type: ignore[attr-defined]

    def sessions_of(self, person_id: str) -> int:
        return len(list(self.s.scalars(select(ConsoleSessionRow.digest).where(
            ConsoleSessionRow.person == person_id))))
