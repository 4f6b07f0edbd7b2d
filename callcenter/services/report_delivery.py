"""Use case: each new report version goes to the configured mailboxes and webhook, with its
file attached, retried until the target acknowledges (SMTP accepted it; the webhook answered
2xx), and never sent again after that.

A delivery is claimed before it is attempted, so two workers never send the same one; a worker
that dies between sending and recording the acknowledgement could send once more, so every
message carries the same Message-ID and every POST the same Idempotency-Key for one delivery:
the receiver can tell a repeat.
"""

from __future__ import annotations

import logging
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import EmailMessage
from typing import TYPE_CHECKING

from callcenter.reports.labels import label
from callcenter.reports.render_files import FORMATS, render
from callcenter.services.ports import UnitsOfWork

if TYPE_CHECKING:
    from callcenter.storage.reports_repo import StoredReport

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)
ATTEMPT_TIME = timedelta(minutes=5)  # a claimed delivery is free again after this
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Targets:
    mail_to: tuple[str, ...] = ()
    mail_from: str = "hotline-reports@localhost"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    webhook: str = ""
    fmt: str = "pdf"
    language: str = "zh"

    def names(self) -> list[str]:
        return [f"mail:{a}" for a in self.mail_to] + ([f"webhook:{self.webhook}"]
                                                       if self.webhook else [])


def retry_after(attempts: int) -> timedelta:
    """1, 2, 4 … minutes, at most an hour, between attempts."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 10)), LAST_RETRY)


class ReportDelivery:
    def __init__(self, uow: UnitsOfWork, targets: Targets, clock: Callable[[], datetime],
                 tz: tzinfo = UTC) -> None:
        self.uow = uow
        self.targets = targets
        self.clock = clock
        self.tz = tz  # of the production time written in the file

    def plan(self, report: StoredReport) -> int:
        """Deliveries of a new version to every target; planning twice plans nothing more."""
        with self.uow() as uow:
            repo = uow.reports
            return sum(repo.plan_delivery(report.id, t, self.clock())
                       for t in self.targets.names())

    def deliver_due(self) -> tuple[int, int]:
        """Attempt every due delivery once: (delivered, failed)."""
        now = self.clock()
        with self.uow(read_only=True) as uow:
            due = uow.reports.deliveries_due(now)
        done = failed = 0
        for delivery_id, report, target, attempts in due:
            with self.uow() as uow:
                if not uow.reports.claim_delivery(delivery_id, attempts,
                                                               now + ATTEMPT_TIME):
                    continue  # another worker has it
            try:
                self._send(delivery_id, report, target)
            except (OSError, smtplib.SMTPException, urllib.error.URLError, ValueError) as exc:
                failed += 1
                why = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("report %s %s v%d to %s: attempt %d failed (%s)", report.kind,
                            report.period, report.version, target.split(":")[0], attempts + 1,
                            type(exc).__name__)
                with self.uow() as uow:
                    uow.reports.failed(delivery_id,
                                                    self.clock() + retry_after(attempts + 1),
                                                    why)
                continue
            with self.uow() as uow:
                uow.reports.delivered(delivery_id, self.clock())
            done += 1
        return done, failed

    def _file(self, report: StoredReport) -> tuple[bytes, str, str]:
        t = self.targets
        name = f"{report.kind}-{report.period}-v{report.version}.{t.fmt}"
        return render(report.document(self.tz), t.fmt, t.language), FORMATS[t.fmt], name

    def _send(self, delivery_id: int, report: StoredReport, target: str) -> None:
        body, mime, name = self._file(report)
        key = f"report-{report.id}-{delivery_id}-{report.sha256[:16]}"
        kind, _, where = target.partition(":")
        title = f"{label(report.kind, self.targets.language)} {report.period} " \
                f"v{report.version}"
        if kind == "mail":
            msg = EmailMessage()
            msg["Subject"] = title
            msg["From"] = self.targets.mail_from
            msg["To"] = where
            msg["Message-ID"] = f"<{key}@callcenter>"
            msg.set_content(f"{title}\n{name}\nSHA-256 {report.sha256}\n")
            main, _, sub = mime.partition(";")[0].partition("/")
            msg.add_attachment(body, maintype=main, subtype=sub, filename=name)
            with smtplib.SMTP(self.targets.smtp_host, self.targets.smtp_port,
                              timeout=TIMEOUT_S) as smtp:
                smtp.send_message(msg)
            return
        if kind == "webhook":
            if not where.startswith(("http://", "https://")):
                raise ValueError("a webhook is an http(s) URL")
            req = urllib.request.Request(where, data=body, method="POST", headers={  # noqa: S310
                "Content-Type": mime, "Idempotency-Key": key,
                "X-Report-Kind": report.kind, "X-Report-Period": report.period,
                "X-Report-Version": str(report.version), "X-Report-SHA256": report.sha256,
                "Content-Disposition": f'attachment; filename="{name}"'})
            try:
                with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:  # noqa: S310
                    status = resp.status
            except urllib.error.HTTPError as exc:
                exc.close()  # it holds the connection
                raise ValueError(f"webhook answered {exc.code}") from None
            if not 200 <= status < 300:
                raise ValueError(f"webhook answered {status}")
            return
        raise ValueError(f"unknown delivery target kind {kind!r}")
