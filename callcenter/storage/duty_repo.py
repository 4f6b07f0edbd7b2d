"""Repository of forced day/night modes. Stages work on the session it is given; never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from callcenter.domain.duty import Mode
from callcenter.storage.agent_tables import DutyModeRow


class DutyRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def force(self, mode: Mode, actor: str, at: datetime) -> None:
        self.s.execute(insert(DutyModeRow).values(mode=mode.value, actor=actor, at=at))

    def current(self) -> tuple[Mode, str, datetime | None]:
        row = self.s.scalar(select(DutyModeRow).order_by(DutyModeRow.id.desc()).limit(1))
        if row is None:
            return Mode.AUTO, "", None
        return Mode(row.mode), row.actor, row.at
