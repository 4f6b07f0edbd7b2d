"""Fixtures: a real sandbox Asterisk, real SIPp phones, real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ports
import pytest
from pg_support import PgCluster
from process_support import no_stray_controllers  # noqa: F401  (autouse: kills left behind)
from tickets_support import UNITS, hotline_over

from callcenter import sandbox, simulate
from callcenter.bootstrap import standalone_controller
from callcenter.config import PROJECT_ROOT, Settings, load_settings
from callcenter.services.tickets import TicketService
from callcenter.storage.engine import make_engine, migrate

# Ports apart from the defaults, so a developer's running sandbox is never disturbed, and
# apart for each pytest-xdist worker (tests/ports.py).
TEST_CONFIG = f"""
[hotline]
number = "12345"
timezone = "Asia/Shanghai"
[asterisk]
profile = "sandbox"
ami_port = {ports.AMI}
sip_port = {ports.SIP}
agi_port = {ports.AGI}
ami_secret_file = "ami.secret"
rtp_start = {ports.RTP[0]}
rtp_end = {ports.RTP[1]}
[queue]
name = "hotline"
strategy = "rrmemory"
ring_timeout = 5
retry = 1
max_wait = 60
wrapup = 0
[trunk]
sandbox_port = {ports.TRUNK}
sandbox_out_port = {ports.PSTN}
[conference]
ring_timeout = 8
[[seats]]
id = "8001"
name = "一号席"
sandbox_port = {ports.SEATS[0]}
[[seats]]
id = "8002"
name = "二号席"
sandbox_port = {ports.SEATS[1]}
[ivr]
menu_enabled = false
menu_timeout = 3
[recordings]
root = "recordings"
asterisk_root = "/var/spool/asterisk/hotline-rec"
[store]
url = "sqlite:///calls.db"
[sandbox]
state_dir = "sandbox"
[controller]
metrics_port = 0
[speech]
metrics_port = 0
"""
# Short prompts keep each test call short; the real texts are tested for generation only.
TEST_PROMPTS = """
[prompts]
greeting = "您好。"
recorded = "通话录音。"
busy = "座席忙。"
menu = "请按键。"
conference_to_unit = "热线三方通话。"
conference_unit = "单位已接入。"
status_enter = "请输入单号。"
status_not_found = "查无此单。"
status_goodbye = "查询结束。"
status_in_progress = "正在办理。"
status_closed = "已办结。"
status_to_dispatch = "正在派发。"
status_due = "期限"
date_month = "月"
date_day = "日"
night = "值班。"
night_message = "请留言。"
leader_alert = "紧急警报。"
survey_intro = "回访。"
survey_solved = "解决按一。"
survey_attitude = "态度。"
survey_speed = "速度。"
survey_result = "结果。"
survey_thanks = "谢谢。"
survey_incomplete = "未完成。"
duty_pin = "密码。"
duty_wrong = "错误。"
duty_mode = "模式。"
duty_done = "好。"
hold = "请稍候。"
"""

# Seats answer at any hour in the tests, unless a test brings its own plan (test_duty_e2e).
ALWAYS_DAY = "[schedule]\n" + "".join(
    f'{d} = "00:00-24:00"\n' for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                       "saturday", "sunday", "holiday", "adjusted_workday")) + \
    '[[roster.duty]]\nname = "值班员"\nphone = "13900000011"\n'

if TYPE_CHECKING:
    from callcenter.controller import Controller


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--capture-traces", metavar="DIR", type=Path,
                     help="save the AMI events each controller of the end-to-end tests handled "
                          "as DIR/<test>.json (how tests/traces/ is refreshed)")


@pytest.fixture
def record_trace(request: pytest.FixtureRequest) -> Iterator[Callable[[Any, str], None]]:
    """`record_trace(controller, name)` before `start()`: with --capture-traces, every event
    the controller handles is saved, in the order it handled them."""
    out: Path | None = request.config.getoption("--capture-traces")
    saved: list[tuple[str, list[dict[str, str]]]] = []

    def record(controller: Any, name: str) -> None:
        if out is None:
            return
        events: list[dict[str, str]] = []
        handle = controller.on_event

        def on_event(msg: dict[str, str]) -> None:
            events.append(dict(msg))
            handle(msg)

        controller.on_event = on_event
        saved.append((name, events))

    yield record
    for name, events in saved:
        assert out is not None
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(events, ensure_ascii=False, indent=0) + "\n")


@pytest.fixture(scope="session")
def sandbox_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("hotline")
    (home / "config").mkdir()
    (home / "config" / "hotline.toml").write_text(TEST_CONFIG, encoding="utf-8")
    (home / "config" / "prompts.toml").write_text(TEST_PROMPTS, encoding="utf-8")
    (home / "config" / "duty.toml").write_text(ALWAYS_DAY, encoding="utf-8")
    # The shipped ticket rules: the controller registers tickets (night messages) and records
    # callbacks (surveys) by them.
    for name in ("policies.toml", "replies.toml", "workdays.toml", "hotline_words.txt"):
        shutil.copy(PROJECT_ROOT / "config" / name, home / "config" / name)
    return home


@pytest.fixture(scope="session")
def settings(sandbox_home: Path) -> Settings:
    s = load_settings(sandbox_home / "config" / "hotline.toml", root=sandbox_home)
    cache = os.environ.get("CALLCENTER_SANDBOX_CACHE")
    return s.with_overrides(sandbox_cache_dir=Path(cache)) if cache else s


@pytest.fixture(scope="session")
def asterisk(settings: Settings) -> Iterator[sandbox.Instance]:
    sandbox.install(settings)
    instance = sandbox.Instance(settings.sandbox_state_dir)
    sandbox.prepare(settings, instance)
    sandbox.start(settings, instance)
    yield instance
    sandbox.stop(instance)


def wait_port_free(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
                return
            except OSError:
                time.sleep(0.1)


@pytest.fixture
def seat_phones(settings: Settings, asterisk: sandbox.Instance) -> Iterator[list[simulate.Sipp]]:
    phones = [simulate.seat_phone(seat.sandbox_port, ports.media(i))
              for i, seat in enumerate(settings.seats)]
    time.sleep(0.3)
    yield phones
    for p in phones:
        p.stop()
    for seat in settings.seats:
        wait_port_free(seat.sandbox_port)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster shared by the worker's tests."""
    cluster = PgCluster()
    cluster.start()
    yield cluster.url
    cluster.remove()


_db_counter = iter(range(1, 10_000))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store migrated once per test process; each test gets a copy (marker `empty_store`:
    an empty one, for the tests of the migrations themselves)."""
    path = tmp_path_factory.mktemp("template") / "calls.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as conn:  # all in the main file, to copy
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    """The PostgreSQL twin of sqlite_template: a database each test's is created from."""
    import psycopg

    with psycopg.connect(pg_server + "/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE migrated")
    engine = make_engine(f"{pg_server}/migrated")
    migrate(engine)
    engine.dispose()
    return "migrated"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store, already migrated unless the test is marked `empty_store`."""
    empty = request.node.get_closest_marker("empty_store") is not None
    if request.param == "sqlite":
        path = tmp_path / "calls.db"
        if not empty:
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server: str = request.getfixturevalue("pg_server")
    template = "" if empty else f" TEMPLATE {request.getfixturevalue('pg_template')}"
    name = f"t{next(_db_counter)}"
    import psycopg

    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}{template}")
    return f"{server}/{name}"


@pytest.fixture
async def controller(settings: Settings, asterisk: sandbox.Instance, store_url: str,
                     record_trace: Callable[[Any, str], None],
                     request: pytest.FixtureRequest) -> AsyncIterator[Controller]:
    c = standalone_controller(settings.with_overrides(store_url=store_url), grace=1.0)
    record_trace(c, request.node.name)
    await c.start()
    await asyncio.wait_for(c.ami.connected.wait(), 10)
    yield c
    await c.stop()



@pytest.fixture
def service(store_url: str) -> Iterator[TicketService]:
    """A ticket service on a fresh store, with a clock the test moves (service.clock)."""
    engine = make_engine(store_url)
    migrate(engine)
    svc = hotline_over(engine).tickets
    svc.units.replace(list(UNITS), [])
    yield svc
    engine.dispose()


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., Any]:
    """The command line over a copy of the shipped config in tmp_path (its own SQLite store):
    run("tickets", "list", expect=0) -> what it printed."""
    from callcenter import cli

    shutil.copytree(PROJECT_ROOT / "config", tmp_path / "config")
    monkeypatch.setenv("CALLCENTER_HOME", str(tmp_path))
    monkeypatch.delenv("CALLCENTER_DB_URL", raising=False)

    def call(*argv: str, expect: int = 0) -> Any:
        rc = cli.main(["--config", str(tmp_path / "config" / "hotline.toml"), *argv])
        out = capsys.readouterr()
        assert rc == expect, out
        return out

    return call
