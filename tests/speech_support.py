"""Stored calls with recordings, as the controller leaves them, for transcript tests."""

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from callcenter.storage.tables import CallRow, RecordingRow


def add_call(s: Session, linkedid: str, started_at: datetime, seat: str = "8001",
             kinds: tuple[str, ...] = ("citizen", "seat"), caller: str = "13812345678",
             answered: bool = True, sha256: str = "0" * 64) -> int:
    """One answered call with a recording per kind (paths `<linkedid><kind>.wav`)."""
    cid: int = s.execute(insert(CallRow).values(
        linkedid=linkedid, caller_number=caller, dialled_number="12345",
        started_at=started_at, fallback=False, hung_up_by="citizen", disposition="answered",
        disposition_reason="", answered_at=started_at if answered else None, seat=seat)
        .returning(CallRow.id)).scalar_one()
    if kinds:
        s.execute(insert(RecordingRow), [
            {"call_id": cid, "kind": k, "path": f"{linkedid}{k}.wav", "size_bytes": 1,
             "duration_s": 10.0, "sha256": sha256, "error": ""} for k in kinds])
    return cid
