"""Reports delivered by mail (a real SMTP server on loopback, aiosmtpd) and webhook (an HTTP
receiver started here): retried until acknowledged, never sent twice; and the reports worker
as a process: the missed runs produced at start-up, once, and SIGTERM heard."""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from email.policy import default
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from tickets_support import TZ, Clock

from callcenter.domain import report_periods as rp
from callcenter.services.report_delivery import ReportDelivery, Targets, retry_after
from callcenter.services.reports import Reports
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.reports_repo import ReportsRepo
from callcenter.storage.ticket_tables import ReportRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


class Receiver(BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.answers.pop(0) if self.answers else 200
        if status == 200:
            self.got.append((dict(self.headers), body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    Receiver.answers, Receiver.got = [503, 500], []
    http = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield box, smtp.port, f"http://127.0.0.1:{http.server_address[1]}/reports"
    http.shutdown()
    http.server_close()
    smtp.stop()


def test_a_new_version_is_mailed_and_posted_until_acknowledged_and_never_twice(
        store_url, servers):
    box, smtp_port, hook = servers
    engine = make_engine(store_url)
    migrate(engine)
    clock = Clock()
    clock.now = datetime(2026, 12, 2, 16, 5, tzinfo=TZ)
    delivery = ReportDelivery(UnitsOfWork(engine), Targets(
        mail_to=("office@hotline.example", "leader@hotline.example"), smtp_port=smtp_port,
        webhook=hook, fmt="xlsx"), clock)
    reports = Reports(UnitsOfWork(engine), TZ, clock, on_new=delivery.plan)
    made = reports.produce(rp.daily(clock.now.date(), TZ), "scheduler")
    assert made.new and delivery.plan(made.report) == 0  # planned once only

    assert delivery.deliver_due() == (2, 1)  # both mails; the webhook answered 503
    assert len(box.messages) == 2
    msg = box.messages[0]
    assert msg["Subject"] == "日综述 2026-12-02 v1"
    (part,) = [p for p in msg.walk() if p.get_filename()]
    assert part.get_filename() == "daily-2026-12-02-v1.xlsx"
    assert part.get_payload(decode=True)[:2] == b"PK"
    assert delivery.deliver_due() == (0, 0)  # the webhook waits for its retry time
    clock.advance(seconds=retry_after(1).total_seconds())
    assert delivery.deliver_due() == (0, 1)  # 500
    clock.advance(seconds=retry_after(2).total_seconds())
    assert delivery.deliver_due() == (1, 0)
    ((headers, body),) = Receiver.got
    assert headers["X-Report-Period"] == "2026-12-02" and body[:2] == b"PK"
    assert headers["Idempotency-Key"].startswith(f"report-{made.report.id}-")
    clock.advance(hours=2)
    assert delivery.deliver_due() == (0, 0) and len(box.messages) == 2
    with UnitOfWork(engine, read_only=True) as uow:
        states = ReportsRepo(uow.session).deliveries(made.report.id)
    assert [d["attempts"] for d in states] == [1, 1, 3]
    assert all(d["delivered_at"] for d in states)
    # The same content produced again is no new version and sends nothing.
    again = reports.produce(rp.daily(clock.now.date(), TZ), "office-1")
    assert not again.new and delivery.deliver_due() == (0, 0)
    engine.dispose()


def test_retries_back_off_to_an_hour():
    assert [retry_after(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_after(40) == timedelta(hours=1)


def test_the_worker_produces_the_missed_runs_at_start_up_once_and_stops_on_sigterm(
        tmp_path):
    db = tmp_path / "w.db"
    env = {**os.environ, "CALLCENTER_DB_URL": f"sqlite:///{db}"}
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)

    def stored() -> int:
        with UnitOfWork(engine, read_only=True) as uow:
            return int(uow.session.scalar(select(func.count()).select_from(ReportRow)) or 0)

    def run_once() -> None:
        worker = subprocess.Popen([sys.executable, "-m", "callcenter", "reports", "--every",
                                   "0.2"], env=env, stderr=subprocess.PIPE, text=True)
        assert worker.stderr is not None
        seen = ""
        while "looking every" not in seen:  # its SIGTERM handler is in place
            line = worker.stderr.readline()
            assert line, seen
            seen += line
        deadline = time.monotonic() + 60
        while stored() < 3 * 7 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # more looks find nothing more to do
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
        assert worker.returncode == 0, seen + err
        assert "reports stopped" in err

    run_once()
    assert stored() == 3 * 7  # catch_up = 7 periods of each kind, each produced once
    run_once()
    assert stored() == 3 * 7  # started again: nothing produced twice
    engine.dispose()
