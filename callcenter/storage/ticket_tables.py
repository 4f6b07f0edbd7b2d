"""Tables of work orders, their audit trail, the units they go to, and the units directory.

The ticket's whole domain state is one JSON column (`state`, storage/ticket_codec.py); the
fields that lists, access checks and the sweeper filter on are columns beside it, written from
the same state on every save, so they cannot disagree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.storage.tables import Base, UtcDateTime

# The columns the reports read of the tickets of a period, by the time that places them.
REPORT_REGISTERED = ("registered_at", "lead_unit", "status", "dispatched_at", "supervised",
                     "extensions", "returns", "revisits", "repeats", "due_at", "cb_reached",
                     "cb_solved", "cb_satisfied", "channel", "kind", "category",
                     "registered_by", "place")
REPORT_DUE = ("due_at", "lead_unit", "status", "replied_at", "cb_reached", "cb_solved",
              "cb_satisfied", "registered_by")
REPORT_CONTACT = ("first_contact_due", "lead_unit", "first_contact_at")


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_status_due", "status", "due_at"),
                      Index("ix_tickets_status_soon", "status", "due_soon_at"),
                      Index("ix_tickets_status_contact", "status", "first_contact_due"),
                      Index("ix_tickets_matter", "category", "address_key"),
                      Index("ix_tickets_status_dispatch", "status", "dispatch_due"),
                      Index("ix_tickets_callback_due", "callback_due"),
                      # The reports' periods: each index holds every column its figures read,
                      # so a month of tickets is counted from the index alone.
                      Index("ix_tickets_report_registered", *REPORT_REGISTERED),
                      Index("ix_tickets_report_due", *REPORT_DUE),
                      Index("ix_tickets_report_contact", *REPORT_CONTACT),
                      Index("ix_tickets_category_place", "category", "place", "registered_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)  # optimistic lock: bumped on every save
    status: Mapped[str] = mapped_column(String(24), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64), index=True)
    matter: Mapped[str] = mapped_column(Text)
    demand: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200))
    history_text: Mapped[str] = mapped_column(Text)
    other_opinions: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str] = mapped_column(String(64))
    reporter_gender: Mapped[str] = mapped_column(String(8))
    reporter_phone: Mapped[str] = mapped_column(String(24), index=True)
    home_address: Mapped[str] = mapped_column(String(200))   # identity (住址)
    event_time: Mapped[str] = mapped_column(String(64))
    people_involved: Mapped[str] = mapped_column(Text)
    address_key: Mapped[str] = mapped_column(String(200))    # the place, normalised
    place: Mapped[str] = mapped_column(String(24), default="")  # its community (place_of)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    registered_by: Mapped[str] = mapped_column(String(64))
    lead_unit: Mapped[str | None] = mapped_column(String(64), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_soon_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_contact_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    supervised: Mapped[bool] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dispatch_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_due: Mapped[bool] = mapped_column(Boolean)  # closed, sampled, not called back
    # What the reports count (domain/figures.py), written from the state like the rest.
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    revisits: Mapped[int] = mapped_column(Integer, default=0)
    repeats: Mapped[int] = mapped_column(Integer, default=1)
    # The satisfaction callback (回访): None until one was made; its last reached answer.
    cb_reached: Mapped[bool | None] = mapped_column(Boolean)
    cb_solved: Mapped[bool | None] = mapped_column(Boolean)
    cb_satisfied: Mapped[bool | None] = mapped_column(Boolean)
    # Some due time rests on a calendar year not yet published (recomputed on reload).
    provisional: Mapped[bool] = mapped_column(Boolean, index=True)
    state: Mapped[str] = mapped_column(Text)


class TicketUnitRow(Base):
    """Which units a ticket is dispatched to (lead or co): the unit access rule reads this."""

    __tablename__ = "ticket_units"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | co


class TicketAuditRow(Base):
    """Append-only: who did what to a ticket, when, from which status to which, and why."""

    __tablename__ = "ticket_audit"
    __table_args__ = (UniqueConstraint("ticket_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    why: Mapped[str] = mapped_column(Text)


class TicketPhraseRow(Base):
    """A key phrase of a ticket's matter (search/phrases.py), counted per period by the
    reports' emerging issues; registered_at is the ticket's, for the period's index."""

    __tablename__ = "ticket_phrases"
    __table_args__ = (Index("ix_ticket_phrases_at", "registered_at", "phrase"),)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    phrase: Mapped[str] = mapped_column(String(16), primary_key=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketCallRow(Base):
    """The calls a ticket came from (a call may open a ticket or be added to one)."""

    __tablename__ = "ticket_calls"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"),
                                           primary_key=True)
    linkedid: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    # When the citizen called (the call's start, or when it was linked): repeats are counted
    # in the calendar year of the call.
    at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UnitRow(Base):
    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    parent: Mapped[str | None] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32))
    duty_phone: Mapped[str] = mapped_column(String(32))
    office_hours: Mapped[str] = mapped_column(String(64))


class UnitAreaRow(Base):
    """A unit answers for an address area (street, then community…) and some categories."""

    __tablename__ = "unit_areas"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(ForeignKey("units.code", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(String(200), index=True)  # "高新区/梧桐街道/翠竹社区"
    category: Mapped[str] = mapped_column(String(64))           # "*" for every category


class NoticeRow(Base):
    """Chase notices (催办) and deadline warnings the sweeper sends to units: at most one per
    ticket, kind and local day, so running the sweeper twice sends nothing twice."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # overdue | due_soon | first_contact
    day: Mapped[str] = mapped_column(String(10))   # YYYY-MM-DD in the hotline's time zone
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(Text)


class OfficeNoticeRow(Base):
    """Notices to the hotline office itself (e.g. "the working-day calendar of 2027 is not
    published"): at most one per kind and local day."""

    __tablename__ = "office_notices"
    __table_args__ = (UniqueConstraint("kind", "day"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(Text)


class ReportRow(Base):
    """A report as produced: one row per version of a period (late data makes a new one; the
    old ones stay). `content` is the report's JSON, `sha256` its digest."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("kind", "period", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))      # daily | weekly | monthly
    period: Mapped[str] = mapped_column(String(10))   # 2026-12-01 | 2026-W48 | 2026-11
    version: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[datetime] = mapped_column(UtcDateTime)
    period_end: Mapped[datetime] = mapped_column(UtcDateTime)
    produced_at: Mapped[datetime] = mapped_column(UtcDateTime)
    produced_by: Mapped[str] = mapped_column(String(64))  # "scheduler" or the person
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)


class ReportDeliveryRow(Base):
    """One report version to one target (mail address or webhook): retried until the target
    acknowledges, never sent again after it did."""

    __tablename__ = "report_deliveries"
    __table_args__ = (UniqueConstraint("report_id", "target"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str] = mapped_column(String(200))
