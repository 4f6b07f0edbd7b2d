"""Personal data never reaches a log: a failing store write with a caller's number in it,
and the project's own messages, are logged with the number masked."""

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from callcenter.logs import MaskNumbers, mask_text
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.tables import CallRow


@pytest.fixture
def log_lines():
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(MaskNumbers())
    logger = logging.getLogger("callcenter.test")
    logger.addHandler(handler)
    yield logger, records
    logger.removeHandler(handler)


def test_a_store_error_with_a_number_in_flight_logs_no_number(store_url, log_lines):
    logger, lines = log_lines
    engine = make_engine(store_url)
    migrate(engine)
    row = {"linkedid": "1795461234.17", "caller_number": "13812345678",
           "dialled_number": "12345", "started_at": datetime(2026, 3, 2, tzinfo=UTC),
           "fallback": False,
           "hung_up_by": "caller", "disposition": "answered", "disposition_reason": ""}
    with engine.begin() as conn:
        conn.execute(insert(CallRow), [row])
    try:
        with engine.begin() as conn:
            conn.execute(insert(CallRow), [row])  # the same call id again
    except Exception as exc:
        assert "13812345678" not in str(exc)  # parameters hidden by the engine
        logger.exception("storing 1 calls failed; will retry (caller %s)", row["caller_number"])
    engine.dispose()
    (line,) = lines
    assert "13812345678" not in line and "138****5678" in line
    assert "IntegrityError" in line or "UniqueViolation" in line


@pytest.mark.parametrize(("text", "shown"), [
    ("caller 13812345678 hung up", "caller 138****5678 hung up"),
    ("landline 0371-67889900", "landline 037*****9900"),
    ("+8613812345678", "138****5678"),
    ("call 1795461234.17 at 1795461234567", "call 1795461234.17 at 1795461234567"),
])
def test_numbers_are_masked_and_call_ids_kept(text, shown):
    assert mask_text(text) == shown
