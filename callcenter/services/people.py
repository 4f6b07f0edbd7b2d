"""Use case: the console's people — created by an administrator (or from the CLI), signed in
with a password (argon2id) or a one-time link, kept signed in by a session whose token only
the browser holds, and shut out at once when disabled.

Sign-in attempts are limited per account and per address. A refusal never says whether the
account exists: an unknown name, a wrong password and a disabled account read the same."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from threading import Lock
from typing import TypedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from callcenter.domain.access import people as access
from callcenter.domain.people import LANGUAGES, Person, password_problem, person_problems
from callcenter.domain.privacy import Viewer
from callcenter.domain.throttle import Throttle
from callcenter.services.errors import NotFound, ValidationFailed, require
from callcenter.services.ports import UnitsOfWork

log = logging.getLogger(__name__)
IDLE = timedelta(hours=4)        # a session unused this long is over
LONGEST = timedelta(hours=14)    # and any session after a long shift
SEEN_EVERY = timedelta(minutes=1)  # how stale "last seen" may be before it is written
LINK_LIFE = timedelta(hours=24)
REFUSED = "wrong account or password"
THROTTLED = "too many sign-in attempts: wait a few minutes"
CLI = "cli"  # who created a person from the command line (the machine's administrator)


class SignInRefused(Exception):
    def __init__(self, rule: str, throttled: bool = False) -> None:
        super().__init__(rule)
        self.throttled = throttled


@dataclass(frozen=True)
class SignedIn:
    person: Person
    token: str   # the cookie's value; stored only as its SHA-256
    csrf: str


@dataclass(frozen=True)
class ConsoleSession:
    person: Person
    csrf: str
    digest: str

    @property
    def viewer(self) -> Viewer:
        return self.person.viewer()


class PersonView(TypedDict):
    id: str
    name: str
    role: str
    unit: str | None
    unit_role: str
    language: str
    disabled: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def view_of(p: Person) -> PersonView:
    return PersonView(id=p.id, name=p.name, role=p.role.value, unit=p.unit,
                      unit_role=p.unit_role.value, language=p.language, disabled=p.disabled)


class People:
    def __init__(self, uow: UnitsOfWork, clock: Callable[[], datetime],
                 hasher: PasswordHasher | None = None,
                 per_account: Throttle | None = None,
                 per_address: Throttle | None = None) -> None:
        self.uow = uow
        self.clock = clock
        self.hasher = hasher or PasswordHasher()  # argon2id, the library's RFC 9106 profile
        self.per_account = per_account or Throttle(5, timedelta(minutes=5))
        self.per_address = per_address or Throttle(30, timedelta(minutes=5))
        self._throttles = Lock()  # sign-ins run on the API's worker threads
        # Verified against when the account is unknown, so both take the same time.
        self._nobody = self.hasher.hash(secrets.token_urlsafe(16))

    # -- managing people ------------------------------------------------------------------
    def create(self, actor: Viewer | None, person: Person, password: str | None = None) -> str:
        """Stores a new person (actor None: the CLI); with no password given, returns a
        one-time sign-in token for the person's first sign-in."""
        if actor is not None:
            require(access.manage(actor))
        problems = person_problems(person)
        if password is not None and (why := password_problem(password)):
            problems["password"] = why
        if problems:
            raise ValidationFailed(problems)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.uow() as uow:
            if uow.people.get(person.id) is not None:
                raise ValidationFailed({"id": f"{person.id} is taken"})
            uow.people.add(person, "" if password is None else self.hasher.hash(password), now,
                           CLI if actor is None else actor.id)
            if password is None:
                uow.people.set_link(person.id, _digest(token), now + LINK_LIFE)
        log.info("person %s (%s) created by %s", person.id, person.role.value,
                 CLI if actor is None else actor.id)
        return "" if password is not None else token

    def sign_in_link(self, actor: Viewer | None, person_id: str) -> str:
        """A new one-time sign-in token (a forgotten password); the old link stops working."""
        if actor is not None:
            require(access.manage(actor))
        token = secrets.token_urlsafe(32)
        with self.uow() as uow:
            if not uow.people.set_link(person_id, _digest(token), self.clock() + LINK_LIFE):
                raise NotFound(f"no person {person_id}")
        return token

    def set_disabled(self, actor: Viewer | None, person_id: str, disabled: bool) -> int:
        """Disables (or enables) a person; disabling ends every session of theirs at once.
        Returns how many sessions were ended."""
        if actor is not None:
            require(access.manage(actor))
            if actor.id == person_id and disabled:
                raise ValidationFailed({"id": "an administrator does not disable themself"})
        with self.uow() as uow:
            if not uow.people.set_disabled(person_id, disabled):
                raise NotFound(f"no person {person_id}")
            ended = uow.people.close_sessions_of(person_id) if disabled else 0
        log.info("person %s %s by %s", person_id, "disabled" if disabled else "enabled",
                 CLI if actor is None else actor.id)
        return ended

    def listing(self, actor: Viewer) -> list[PersonView]:
        require(access.manage(actor))
        return self.listing_all()

    def listing_all(self) -> list[PersonView]:
        """Everyone, for the machine's administrator at the CLI."""
        with self.uow(read_only=True) as uow:
            return [view_of(p) for p in uow.people.all()]

    def count(self) -> int:
        with self.uow(read_only=True) as uow:
            return uow.people.count()

    # -- signing in -----------------------------------------------------------------------
    def sign_in(self, person_id: str, password: str, address: str) -> SignedIn:
        now = self.clock()
        with self._throttles:
            # Both are counted, so one address cannot try many accounts, nor many addresses
            # one account.
            account_ok = self.per_account.attempt(person_id[:64], now)
            address_ok = self.per_address.attempt(address, now)
        if not (account_ok and address_ok):
            log.warning("sign-in throttled (account %s)", "yes" if not account_ok else "no")
            raise SignInRefused(THROTTLED, throttled=True)
        with self.uow(read_only=True) as uow:
            person = uow.people.get(person_id)
            stored = uow.people.password_hash(person_id) if person is not None else None
        if not self._verify(stored or self._nobody, password) or person is None \
                or not stored or person.disabled:
            raise SignInRefused(REFUSED)
        with self._throttles:
            self.per_account.clear(person_id)
        if self.hasher.check_needs_rehash(stored):
            with self.uow() as uow:
                uow.people.set_password(person_id, self.hasher.hash(password))
        return self._open(person, now)

    def sign_in_once(self, token: str) -> SignedIn:
        """Signs in with a one-time link; the link is used up whether or not it was late."""
        now = self.clock()
        with self.uow() as uow:
            person = uow.people.take_link(_digest(token), now)
        if person is None or person.disabled:
            raise SignInRefused("this sign-in link is used up, expired or unknown")
        return self._open(person, now)

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password[:1024])
        except (VerificationError, InvalidHashError):
            return False

    def _open(self, person: Person, now: datetime) -> SignedIn:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.uow() as uow:
            uow.people.open_session(_digest(token), person.id, csrf, now)
        log.info("person %s signed in", person.id)
        return SignedIn(person, token, csrf)

    def session(self, token: str) -> ConsoleSession | None:
        """The session this cookie holds, if it is still good; the person as stored now, so
        a disabled person or a changed role takes effect on the next request."""
        if not token or len(token) > 128:
            return None
        digest, now = _digest(token), self.clock()
        with self.uow(read_only=True) as uow:
            found = uow.people.session(digest)
        if found is None:
            return None
        person, csrf, began, seen = found
        if person.disabled or now - seen >= IDLE or now - began >= LONGEST:
            with self.uow() as uow:
                uow.people.close_session(digest)
            return None
        if now - seen >= SEEN_EVERY:
            with self.uow() as uow:
                uow.people.seen(digest, now)
        return ConsoleSession(person, csrf, digest)

    def sign_out(self, session: ConsoleSession) -> None:
        with self.uow() as uow:
            uow.people.close_session(session.digest)

    def set_password(self, session: ConsoleSession, password: str) -> None:
        """A person sets their own password (after a one-time link, or to change it); their
        other sessions end."""
        if why := password_problem(password):
            raise ValidationFailed({"password": why})
        with self.uow() as uow:
            uow.people.set_password(session.person.id, self.hasher.hash(password))
            uow.people.close_sessions_of(session.person.id)
            uow.people.open_session(session.digest, session.person.id, session.csrf,
                                    self.clock())

    def set_language(self, session: ConsoleSession, language: str) -> ConsoleSession:
        if language not in LANGUAGES:
            raise ValidationFailed({"language": "zh or en"})
        with self.uow() as uow:
            uow.people.set_language(session.person.id, language)
        return replace(session, person=replace(session.person, language=language))
