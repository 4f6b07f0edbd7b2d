"""Hot topics: keyword lists, spotting in what was said with times, each call's tags,
counts per topic per period, re-spotting after the lists change (SQLite and PostgreSQL)."""

from datetime import UTC, datetime, timedelta

import pytest
from speech_support import add_call
from tickets_support import AGENT, CTX, WUYE

from callcenter.cli import main
from callcenter.domain.topics import Spot, Topic, TopicsError, check, spot
from callcenter.search.cjk import segment
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.services.rules import load_topics as read_toml
from callcenter.services.topics import Topics
from callcenter.services.transcription_queue import Segment, TranscriptionQueue
from callcenter.storage.uow import UnitOfWork, UnitsOfWork

HEAT = Topic("供暖", ("供暖", "暖气", "不热"))
FEE = Topic("物业费", ("物业费",))
TOPICS = [HEAT, FEE, Topic("停电", ("停电",))]


def test_keywords_are_found_with_the_times_of_the_words_they_span():
    words = [("我家", 0.0, 0.4), ("暖气", 0.5, 0.9), ("不", 1.0, 1.1), ("热", 1.1, 1.3),
             ("物业", 5.0, 5.4), ("费", 5.4, 5.6), ("太贵", 5.7, 6.0)]
    assert spot(words, TOPICS) == [Spot("供暖", "暖气", 0.5, 0.9), Spot("供暖", "不热", 1.0, 1.3),
                                   Spot("物业费", "物业费", 5.0, 5.6)]


def test_a_keyword_never_spans_a_pause_and_spaces_and_case_do_not_matter():
    # 物业 … (pause) … 费: two utterances, no 物业费.
    assert spot([("物业", 0.0, 0.4), ("费", 2.0, 2.2)], TOPICS) == []
    assert spot([("난방 이", 0.0, 1.0)], [Topic("난방", ("난방이",))]) == [
        Spot("난방", "난방이", 0.0, 1.0)]
    assert spot([("No Power", 0.0, 1.0)], [Topic("p", ("nopower",))])[0].word == "nopower"
    assert spot([("暖气暖气", 0.0, 1.0)], [HEAT]) == [Spot("供暖", "暖气", 0.0, 1.0)] * 2
    assert spot([], TOPICS) == []


def test_bad_lists_are_refused_naming_every_problem(tmp_path):
    with pytest.raises(TopicsError) as exc:
        check([Topic("", ("x",)), Topic("供暖", ()), Topic("供暖", ("暖",))])
    assert "topic 1" in str(exc.value) and "topic 2" in str(exc.value)
    assert "listed twice" in str(exc.value)
    bad = tmp_path / "topics.toml"
    bad.write_text('[[topic]]\nname = "供暖"\n')
    with pytest.raises(TopicsError, match="needs name and words"):
        read_toml(bad)
    bad.write_text("[[topic]\n")
    with pytest.raises(TopicsError, match=r"topics\.toml"):
        read_toml(bad)


def test_the_shipped_lists_load():
    from callcenter.config import PROJECT_ROOT

    names = [t.name for t in read_toml(PROJECT_ROOT / "config" / "topics.toml")]
    assert {"供暖", "漏水", "物业费", "停电"} <= set(names)


T0 = datetime(2026, 3, 2, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai
CALLS = {  # linkedid -> (start, citizen's utterances)
    "1.1": (T0, [(3.0, "我家暖气不热"), (9.0, "供暖温度只有十五度")]),
    "1.2": (T0 + timedelta(days=1), [(2.0, "物业费又涨了")]),
    # Sunday 23:30 in Shanghai, Sunday 15:30 UTC: counted on Sunday, in the week before.
    "1.3": (datetime(2026, 3, 1, 15, 30, tzinfo=UTC), [(1.0, "暖气停了")]),
    "1.4": (T0 + timedelta(days=31), [(1.0, "楼道停电了，暖气也不热")]),
}


@pytest.fixture
def topics(service):
    engine = service.uow.engine
    with UnitOfWork(engine) as uow:
        ids = {add_call(uow.session, lid, start): lid for lid, (start, _) in CALLS.items()}
    queue = TranscriptionQueue(UnitsOfWork(engine), "w")
    queue.enqueue_pending()
    while (job := queue.claim()) is not None:
        said = CALLS[ids[job.call_id]][1] if job.kind == "citizen" else []
        segs = [Segment("citizen", t, t + 2.0, x, segment(x), 0.9) for t, x in said]
        assert queue.finish(job, segs, 10.0, spot([(x, t, t + 2.0) for t, x in said], TOPICS))
    return Topics(UnitsOfWork(engine), CTX.tz)


def test_each_call_gets_its_topic_tags_with_times(topics):
    assert topics.of_call("1.1", AGENT) == [
        {"topic": "供暖", "word": "不热", "speaker": "citizen", "start_s": 3.0, "end_s": 5.0},
        {"topic": "供暖", "word": "暖气", "speaker": "citizen", "start_s": 3.0, "end_s": 5.0},
        {"topic": "供暖", "word": "供暖", "speaker": "citizen", "start_s": 9.0, "end_s": 11.0}]
    with pytest.raises(NotFound):
        topics.of_call("9.9", AGENT)
    with pytest.raises(Forbidden):
        topics.of_call("1.1", WUYE)


def test_counts_per_topic_per_day_week_and_month_in_the_hotlines_time_zone(topics):
    since, until = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=1), T0 + timedelta(days=60)
    assert topics.counts(AGENT, since, until, "day") == [
        {"period": "2026-03-01", "topic": "供暖", "calls": 1, "mentions": 1},
        {"period": "2026-03-02", "topic": "供暖", "calls": 1, "mentions": 3},
        {"period": "2026-03-03", "topic": "物业费", "calls": 1, "mentions": 1},
        {"period": "2026-04-02", "topic": "供暖", "calls": 1, "mentions": 2},
        {"period": "2026-04-02", "topic": "停电", "calls": 1, "mentions": 1}]
    weeks = topics.counts(AGENT, since, until, "week")
    assert [(w["period"], w["topic"], w["calls"]) for w in weeks][:3] == [
        ("2026-02-23", "供暖", 1), ("2026-03-02", "供暖", 1), ("2026-03-02", "物业费", 1)]
    months = {(m["period"], m["topic"]): m["calls"] for m in topics.counts(AGENT, since, until,
                                                                           "month")}
    assert months[("2026-03-01", "供暖")] == 2 and months[("2026-04-01", "停电")] == 1
    assert topics.counts(AGENT, T0, T0 + timedelta(hours=1)) == [
        {"period": "2026-03-02", "topic": "供暖", "calls": 1, "mentions": 3}]
    with pytest.raises(ValidationFailed, match="period"):
        topics.counts(AGENT, since, until, "year")
    with pytest.raises(ValidationFailed, match="until"):
        topics.counts(AGENT, until, since)
    with pytest.raises(Forbidden):
        topics.counts(WUYE, since, until)


def test_changed_lists_apply_to_past_calls_without_decoding_again(topics):
    new = [Topic("停暖", ("暖气停",)), Topic("物业费", ("物业费", "涨了"))]
    assert topics.respot(new) == 4  # every leg that said something
    assert topics.of_call("1.1", AGENT) == []
    assert [t["word"] for t in topics.of_call("1.3", AGENT)] == ["暖气停"]
    assert sorted(t["word"] for t in topics.of_call("1.2", AGENT)) == ["涨了", "物业费"]
    assert topics.respot(new, since=T0 + timedelta(days=30)) == 1


async def test_topics_over_the_api_and_the_command_line(topics, service, tmp_path, capsys,
                                                       monkeypatch):
    from aiohttp.test_utils import TestClient, TestServer
    from api_support import api_of

    from callcenter.api import tokens
    from callcenter.api.app import make_app

    path = tmp_path / "tokens.toml"
    auth = {"Authorization": f"Bearer {tokens.add(path, AGENT)}"}
    unit = {"Authorization": f"Bearer {tokens.add(path, WUYE)}"}
    client = TestClient(TestServer(make_app(api_of(service, tokens.load(path)))))
    await client.start_server()
    try:
        r = await client.get("/api/v1/calls/1.2/topics", headers=auth)
        assert r.status == 200 and [t["topic"] for t in (await r.json())["items"]] == ["物业费"]
        r = await client.get("/api/v1/topics", headers=auth, params={
            "since": "2026-03-03", "until": "2026-03-04", "period": "week"})
        assert (await r.json())["items"] == [
            {"period": "2026-03-02", "topic": "物业费", "calls": 1, "mentions": 1}]
        r = await client.get("/api/v1/topics", headers=auth, params={"since": "2026-03-03"})
        assert r.status == 422 and "until" in (await r.json())["fields"]
        r = await client.get("/api/v1/topics", headers=unit, params={
            "since": "2026-03-03", "until": "2026-03-04"})
        assert r.status == 403
    finally:
        await client.close()

    url = service.uow.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("CALLCENTER_DB_URL", url)
    capsys.readouterr()
    assert main(["topics", "call", "1.1", "--as", "agent:a1"]) == 0
    assert '"不热"' in capsys.readouterr().out
    lists = tmp_path / "topics.toml"
    lists.write_text('[[topic]]\nname = "涨价"\nwords = ["涨了"]\n')
    monkeypatch.setenv("CALLCENTER_TOPICS", str(lists))
    assert main(["topics", "respot"]) == 0
    assert "4 recordings re-spotted for 1 topics" in capsys.readouterr().out
    assert main(["topics", "counts", "--since", "2026-03-01", "--until", "2026-03-05"]) == 0
    assert '"涨价"' in capsys.readouterr().out
    lists.write_text('[[topic]]\nname = "涨价"\nwords = []\n')
    assert main(["topics", "check"]) == 2
    assert "topic 1 (涨价): 1 or more keywords" in capsys.readouterr().err
