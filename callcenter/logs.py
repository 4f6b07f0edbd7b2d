"""Logging for the hotline's processes: phone numbers never reach a log line.

A record's message, its arguments and its traceback are formatted and masked
(138****5678) before any handler writes them, so a number inside an exception from the
store, a library's message or our own text is hidden alike. Call ids (1795461234.17) and
times are not phone numbers and are left as they are.
"""

from __future__ import annotations

import logging
import re
import time

from callcenter.domain.privacy import mask_number

# Mobile numbers and landlines with an area code, standing alone (not inside a longer run of
# digits or a call id).
_NUMBER = re.compile(r"(?<![\d.])(?:\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![\d.])")


def mask_text(text: str) -> str:
    return _NUMBER.sub(lambda m: mask_number(m.group(1).replace("-", "")), text)


class MaskNumbers(logging.Filter):
    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskNumbers) for f in handler.filters):
            handler.addFilter(MaskNumbers())


class Recurring:
    """How a task that runs again and again (the controller's polls of the store) reports a
    failure: the first with its traceback, then one line a minute while it goes on failing,
    and one when it works again. A store away for 30 s once wrote 59,000 lines."""

    def __init__(self, logger: logging.Logger, what: str, every: float = 60.0) -> None:
        self.logger = logger
        self.what = what
        self.every = every
        self.failures = 0
        self._since = 0.0
        self._said = 0.0

    def failed(self) -> None:
        """Call it in the `except` block."""
        now = time.monotonic()
        self.failures += 1
        if self.failures == 1:
            self._since = self._said = now
            self.logger.exception("%s failed; retrying", self.what)
        elif now - self._said >= self.every:
            self._said = now
            self.logger.error("%s still failing: %d times in %.0f s", self.what, self.failures,
                              now - self._since)

    def worked(self) -> None:
        if self.failures:
            self.logger.warning("%s works again after %d failures in %.0f s", self.what,
                                self.failures, time.monotonic() - self._since)
            self.failures = 0
