"""The unit of work: a broken unique key leaves it as the domain's AlreadyStored, naming the
key and never the values (a phone number in a key must not reach a log), on both stores; the
API answers it with 409 and the CLI with one line."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from callcenter.domain.conflicts import AlreadyStored
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.ticket_tables import OfficeNoticeRow
from callcenter.storage.uow import UnitOfWork

ROW = {"kind": "13812345678", "day": "2026-12-06", "created_at": datetime(2026, 12, 6, tzinfo=UTC),
       "text": "张三"}


def test_a_broken_unique_key_is_already_stored_and_names_no_values(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    with UnitOfWork(engine) as uow:
        uow.session.execute(insert(OfficeNoticeRow).values(**ROW))
    with pytest.raises(AlreadyStored) as raised, UnitOfWork(engine) as uow:
        uow.session.execute(insert(OfficeNoticeRow).values(**ROW))
    assert "13812345678" not in str(raised.value) and "张三" not in str(raised.value)
    assert "unique" in str(raised.value).lower()
    with UnitOfWork(engine, read_only=True) as uow:  # the first stands, alone
        assert len(uow.notices.for_office()) == 1
    engine.dispose()


def test_the_cli_answers_it_in_one_line(capsys):
    from callcenter.cli.common import refusals

    def stored_meanwhile(args, settings):
        raise AlreadyStored("unique key x")

    assert refusals(stored_meanwhile)(None, None) == 2
    assert capsys.readouterr().err == ("refused: already_stored: the same was stored meanwhile; "
                                       "read it again\n")


async def test_the_api_answers_it_with_409():
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from callcenter.api.http import errors

    async def stored_meanwhile(request: web.Request) -> web.Response:
        raise AlreadyStored("unique key office_notices_kind_day_key")

    app = web.Application(middlewares=[errors])
    app.router.add_post("/x", stored_meanwhile)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        r = await client.post("/x")
        assert r.status == 409
        assert (await r.json()) == {"error": "the same was stored meanwhile; read it again",
                                    "rule": "already_stored"}
    finally:
        await client.close()
