"""Searching what was said, in Chinese, on SQLite and PostgreSQL: words, filters, access,
offsets, audit."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from speech_support import add_call
from sqlalchemy import func, select
from tickets_support import AGENT, FORM, OFFICE, OTHER, WUYE

from callcenter.domain.replies import Kind
from callcenter.search.cjk import segment
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.services.transcript_search import Filters, TranscriptSearch
from callcenter.services.transcription_queue import Segment, TranscriptionQueue
from callcenter.storage.tables import CallRow
from callcenter.storage.transcript_tables import SearchAuditRow
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SAID = {  # linkedid -> (seat, [(speaker, start, text)])
    "1.1": ("8001", [("citizen", 3.5, "我家暖气片不热，供暖温度只有十五度"),
                     ("agent", 9.0, "好的，我帮您登记供暖问题")]),
    "1.2": ("8002", [("citizen", 2.0, "楼上漏水，厨房天花板都湿了")]),
    "1.3": ("8001", [("citizen", 1.0, "物业费涨价了，我想咨询一下标准")]),
}


@pytest.fixture
def search(service):
    engine = service.uow.engine
    with UnitOfWork(engine) as uow:
        for lid, (seat, _) in SAID.items():
            add_call(uow.session, lid, T0, seat)
    queue = TranscriptionQueue(UnitsOfWork(engine), "w")
    queue.enqueue_pending()
    with UnitOfWork(engine, read_only=True) as uow:
        linked = dict(uow.session.execute(select(CallRow.id, CallRow.linkedid)).all())
    while (job := queue.claim()) is not None:
        speaker = "citizen" if job.kind == "citizen" else "agent"
        said = [Segment(spk, start, start + 2.0, t, segment(t), 0.9)
                for spk, start, t in SAID[linked[job.call_id]][1] if spk == speaker]
        assert queue.finish(job, said, 10.0)
    return TranscriptSearch(UnitsOfWork(engine), service.clock)


@pytest.mark.parametrize(("query", "calls"), [
    ("供暖", {"1.1"}), ("漏水", {"1.2"}), ("物业费", {"1.3"}), ("暖气片", {"1.1"}),
    ("供暖 漏水", set()), ("停电", set()),
    # FTS syntax is never run as syntax: NEAR is looked for as a word, which nobody said.
    ('NEAR(供暖 "*', set()),
])
def test_chinese_words_find_the_calls_that_said_them(search, query, calls):
    assert {h["call"] for h in search.search(query, AGENT)} == calls


async def test_search_over_the_api_and_the_command_line(search, service, tmp_path, capsys,
                                                       monkeypatch):
    from aiohttp.test_utils import TestClient, TestServer
    from api_support import api_of

    from callcenter.api import tokens
    from callcenter.api.app import make_app

    path = tmp_path / "tokens.toml"
    token = tokens.add(path, AGENT)
    app = make_app(api_of(service, tokens.load(path)))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        auth = {"Authorization": f"Bearer {token}"}
        r = await client.get("/api/v1/search", params={"q": "漏水", "speaker": "citizen"},
                             headers=auth)
        body = await r.json()
        assert r.status == 200 and [h["call"] for h in body["items"]] == ["1.2"]
        assert body["items"][0]["offset_s"] == 2.0
        assert body["ranked_among_newest"] == 500
        r = await client.get("/api/v1/search", params={"q": "漏水", "since": "yesterday"},
                             headers=auth)
        assert r.status == 422 and "since" in (await r.json())["fields"]
        r = await client.get("/api/v1/search", params={"q": "漏水"})
        assert r.status == 401
    finally:
        await client.close()


def test_a_query_without_words_is_refused(search):
    with pytest.raises(ValidationFailed):
        search.search('" * ()', AGENT)


def test_hits_carry_offset_snippet_and_respect_filters(search):
    hits = search.search("供暖", AGENT)
    assert sorted((h["speaker"], h["offset_s"]) for h in hits) == [("agent", 9.0),
                                                                   ("citizen", 3.5)]
    assert all("【供暖】" in h["snippet"] for h in hits)
    assert [h["speaker"] for h in search.search("供暖", AGENT, Filters(speaker="citizen"))] == [
        "citizen"]
    assert search.search("漏水", AGENT, Filters(seat="8001")) == []
    assert hits[0]["caller"] == "13812345678"


def test_a_unit_searches_only_calls_of_its_tickets_and_every_search_is_audited(search,
                                                                               service):
    tid = service.register(FORM, AGENT, linkedid="1.2")
    from callcenter.domain.tickets import Dispatch

    service.command(tid, Dispatch("u-wuye"), AGENT)
    assert {h["call"] for h in search.search("漏水", WUYE)} == {"1.2"}
    assert search.search("供暖", WUYE) == []
    assert search.search("漏水", OTHER) == []
    assert search.search("漏水", WUYE)[0]["caller"] == "138****5678"
    with pytest.raises(Forbidden):
        search.search("漏水", WUYE, Filters(caller="13812345678"))
    search.search("供暖", OFFICE, Filters(speaker="agent"))
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        audit = uow.session.scalars(select(SearchAuditRow).order_by(SearchAuditRow.id)).all()
    assert [(a.person, a.query) for a in audit][-1] == ("office-1", "供暖")
    assert '"speaker": "agent"' in audit[-1].filters and "1.1" in audit[-1].results
    assert len(audit) == 6  # every search, the refused one (caller filter by a unit) too


def test_filters_by_unit_kind_and_category_of_the_calls_tickets(search, service):
    from callcenter.domain.tickets import Dispatch

    tid = service.register(FORM, AGENT, linkedid="1.2")  # a complaint about 漏水
    service.command(tid, Dispatch("u-wuye"), AGENT)
    heating = service.register(replace(FORM, kind=Kind.HELP_REPAIR, category="供暖"), AGENT,
                               linkedid="1.1")
    service.command(heating, Dispatch("u-street"), AGENT)

    def calls(query, **f):
        return {h["call"] for h in search.search(query, OFFICE, Filters(**f))}

    assert calls("漏水", unit="u-wuye") == {"1.2"} and calls("漏水", unit="u-street") == set()
    assert calls("供暖", unit="u-street") == {"1.1"}
    assert calls("漏水", kind="complaint") == {"1.2"} and calls("供暖", kind="complaint") == set()
    assert calls("供暖", category="供暖") == {"1.1"} and calls("漏水", category="供暖") == set()
    assert {h["call"]: h["tickets"] for h in search.search("供暖 温度", OFFICE)} == {
        "1.1": [heating]}
    # A unit asking for another unit's calls gets nothing of either.
    assert search.search("漏水", WUYE, Filters(unit="u-street")) == []
    with pytest.raises(ValidationFailed, match="kind"):
        search.search("漏水", OFFICE, Filters(kind="gossip"))
    with pytest.raises(ValidationFailed) as exc:
        search.search("漏水", OFFICE, Filters(category="漏" * 65))
    assert exc.value.fields == {"category": "at most 64 characters"}


def test_a_filter_applies_before_the_page_is_cut(service):
    # 60 calls say 供暖 louder (more often) than the one call on seat 8009: the ranking must
    # not drop it before the seat filter is applied.
    engine = service.uow.engine
    with UnitOfWork(engine) as uow:
        for n in range(61):
            add_call(uow.session, f"2.{n}", T0, "8009" if n == 60 else "8001", ("citizen",))
    queue = TranscriptionQueue(UnitsOfWork(engine), "w")
    queue.enqueue_pending()
    while (job := queue.claim()) is not None:
        text = "供暖不热" if job.call_id == max_id(engine) else "供暖供暖供暖停了"
        assert queue.finish(job, [Segment("citizen", 1.0, 2.0, text, segment(text), 0.9)], 5)
    found = TranscriptSearch(UnitsOfWork(engine)).search("供暖", AGENT, Filters(seat="8009"),
                                                         limit=1)
    assert [h["call"] for h in found] == ["2.60"]


def max_id(engine):
    with UnitOfWork(engine, read_only=True) as uow:
        return uow.session.scalar(select(func.max(CallRow.id)))


def test_hits_are_ranked_by_relevance_within_the_newest_window(service, monkeypatch):
    from callcenter.services import transcript_search

    engine = service.uow.engine
    said = ["供暖不行", "供暖供暖还是供暖", "今天天气不错，顺便说下供暖的事，还有别的好多事情要说",
            "供暖", "供暖问题"]
    with UnitOfWork(engine) as uow:
        for n in range(len(said)):
            add_call(uow.session, f"3.{n}", T0.replace(day=1 + n), kinds=("citizen",))
    queue = TranscriptionQueue(UnitsOfWork(engine), "w")
    queue.enqueue_pending()
    while (job := queue.claim()) is not None:
        text = said[job.call_id - 1]
        assert queue.finish(job, [Segment("citizen", 1.0, 2.0, text, segment(text), 0.9)], 5)
    search = TranscriptSearch(UnitsOfWork(engine))
    order = [h["call"] for h in search.search("供暖", AGENT)]
    assert order[0] == "3.1" and order[-1] == "3.2"  # said most / buried in a long utterance
    assert order.index("3.3") < order.index("3.4") < order.index("3.0")  # shorter; newer
    monkeypatch.setattr(transcript_search, "WINDOW", 2)
    assert [h["call"] for h in search.search("供暖", AGENT)] == ["3.3", "3.4"]
    # Further back by narrowing the time.
    older = search.search("供暖", AGENT, Filters(until=T0.replace(day=3)))
    assert [h["call"] for h in older] == ["3.1", "3.0"]


async def test_a_calls_transcript_is_read_whole_within_the_same_access_and_audited(
        search, service, tmp_path, capsys, monkeypatch):
    from aiohttp.test_utils import TestClient, TestServer
    from api_support import api_of

    from callcenter.api import tokens
    from callcenter.api.app import make_app
    from callcenter.cli import main
    from callcenter.domain.tickets import Dispatch

    whole = search.transcript("1.1", AGENT)
    assert [(g["speaker"], g["start_s"], g["text"]) for g in whole["segments"]] == [
        ("citizen", 3.5, "我家暖气片不热，供暖温度只有十五度"),
        ("agent", 9.0, "好的，我帮您登记供暖问题")]
    assert whole["caller"] == "13812345678" and whole["tickets"] == []
    with pytest.raises(NotFound):
        search.transcript("1.2", WUYE)  # not (yet) a call of its tickets
    tid = service.register(FORM, AGENT, linkedid="1.2")
    service.command(tid, Dispatch("u-wuye"), AGENT)
    theirs = search.transcript("1.2", WUYE)
    assert theirs["caller"] == "138****5678" and theirs["tickets"] == [tid]
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        audit = uow.session.scalars(select(SearchAuditRow).order_by(SearchAuditRow.id)).all()
    # The refused read is audited too (before the ticket made it the unit's call).
    assert [(a.person, a.query) for a in audit] == [("agent-7", "transcript 1.1"),
                                                   ("li", "transcript 1.2"),
                                                   ("li", "transcript 1.2")]
    assert "NotFound" in audit[1].results

    path = tmp_path / "tokens.toml"
    token = tokens.add(path, WUYE)
    client = TestClient(TestServer(make_app(api_of(service, tokens.load(path)))))
    await client.start_server()
    try:
        auth = {"Authorization": f"Bearer {token}"}
        r = await client.get("/api/v1/calls/1.2/transcript", headers=auth)
        assert r.status == 200 and (await r.json())["segments"][0]["start_s"] == 2.0
        r = await client.get("/api/v1/calls/1.1/transcript", headers=auth)
        assert r.status == 404
    finally:
        await client.close()
    monkeypatch.setenv("CALLCENTER_DB_URL", service.uow.engine.url.render_as_string(False))
    capsys.readouterr()
    assert main(["transcript", "1.3", "--as", "agent:a1"]) == 0
    assert "物业费涨价了" in capsys.readouterr().out
    assert main(["transcript", "9.9", "--as", "agent:a1"]) == 2


def _say(service, linkedid, lines, caller="13812345678"):
    """A stored call whose citizen side said `lines` (start, text)."""
    engine = service.uow.engine
    with UnitOfWork(engine) as uow:
        add_call(uow.session, linkedid, T0, "8001", caller=caller)
    queue = TranscriptionQueue(UnitsOfWork(engine), "w")
    queue.enqueue_pending()
    while (job := queue.claim()) is not None:
        said = [Segment("citizen", start, start + 2.0, t, segment(t), 0.9)
                for start, t in lines] if job.kind == "citizen" else []
        assert queue.finish(job, said, 10.0)


def test_units_never_read_identity_in_what_was_said(service):
    from callcenter.domain.privacy import HIDDEN
    from callcenter.domain.tickets import Dispatch

    _say(service, "2.1", [(1.0, "我叫张三，电话13812345678，身份证41010519900101123X，漏水"),
                          (4.0, "手机号是幺三八 一二三四 五六七八，楼上漏水")])
    tid = service.register(FORM, AGENT, linkedid="2.1")
    service.command(tid, Dispatch("u-wuye", ("u-street",)), AGENT)
    search = TranscriptSearch(service.uow, service.clock)
    hotline = " ".join(h["snippet"] for h in search.search("漏水", OFFICE))
    assert "13812345678" in hotline and "张三" in hotline and "幺三八" in hotline
    from tickets_support import STREET

    for unit in (WUYE, STREET):
        said = " ".join(h["snippet"] for h in search.search("漏水", unit))
        whole = " ".join(g["text"] for g in search.transcript("2.1", unit)["segments"])
        for text_ in (said, whole):
            assert "【漏水】" in said
            for secret in ("13812345678", "41010519900101123X", "张三", "幺三八", "五六七八"):
                assert secret not in text_, (unit.unit, secret, text_)
        assert HIDDEN in whole

    # An anonymous citizen's number is not shown to the unit at all, not even masked.
    _say(service, "2.2", [(1.0, "举报小区违建")], caller="13900001111")
    aid = service.register(replace(FORM, anonymous=True, kind=Kind.REPORT,
                                   reporter_phone="13900001111"), AGENT, linkedid="2.2")
    service.command(aid, Dispatch("u-wuye"), AGENT)
    (hit,) = search.search("违建", WUYE)
    assert hit["caller"] == HIDDEN and search.transcript("2.2", WUYE)["caller"] == HIDDEN
    assert search.search("违建", OFFICE)[0]["caller"] == "13900001111"


def test_refused_searches_and_reads_are_audited(search, service):
    with pytest.raises(Forbidden):
        search.search("漏水", WUYE, Filters(caller="13812345678"))
    with pytest.raises(NotFound):
        search.transcript("1.1", OTHER)
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        audit = uow.session.scalars(select(SearchAuditRow).order_by(SearchAuditRow.id)).all()
    assert [(a.person, a.query) for a in audit[-2:]] == [("li", "漏水"), ("zhao", "transcript 1.1")]
    assert '"refused": "Forbidden"' in audit[-2].results
    assert '"refused": "NotFound"' in audit[-1].results
