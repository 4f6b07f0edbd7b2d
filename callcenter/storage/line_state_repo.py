"""Repository of the line's live state (one row). Stages work on the session it is given."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session

from callcenter.storage.agent_tables import LineStateRow

_LINE = cast(Table, LineStateRow.__table__)
# Built once: the controller writes the line up to twenty times a second under load.
_PUT = update(_LINE).where(_LINE.c.id == 1).values(
    body=bindparam("body"), updated_at=bindparam("at", type_=_LINE.c.updated_at.type))


class LineStateRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def put(self, state: dict[str, Any], at: datetime) -> None:
        body = json.dumps(state, ensure_ascii=False)
        done = self.s.execute(_PUT, {"body": body, "at": at})
        if int(getattr(done, "rowcount", 0)) == 0:
            self.s.execute(insert(LineStateRow).values(id=1, body=body, updated_at=at))

    def get(self) -> tuple[dict[str, Any], datetime] | None:
        row = self.s.get(LineStateRow, 1)
        if row is None:
            return None
        return json.loads(row.body), row.updated_at
