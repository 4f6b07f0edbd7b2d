"""Knowledge base: Chinese search by word on SQLite and PostgreSQL, requests with deadlines,
and which articles answered which tickets."""

from datetime import date

import pytest
from tickets_support import AGENT, FORM, OFFICE, WUYE

from callcenter.domain.kb import Article, RequestKind
from callcenter.domain.privacy import Role, Viewer
from callcenter.domain.tickets import AnswerDirectly
from callcenter.services.errors import Forbidden, ValidationFailed

ARTICLES = [
    Article("冬季供暖温度不达标怎么办？", "室温低于18度可向热力公司报修，热力站24小时内处理。",
            "《城市供热条例》第二十条", "u-street", date(2025, 1, 1), date(2027, 1, 1)),
    Article("楼上漏水如何处理？", "先联系物业关闭阀门，物业应在4小时内到场查看。",
            "《物业管理条例》", "u-wuye", date(2025, 1, 1), date(2027, 1, 1)),
    Article("物业费收费标准是多少？", "按市物价局核定的标准收取，不得擅自提高。",
            "《物业服务收费管理办法》", "u-wuye", date(2025, 1, 1), date(2027, 1, 1)),
    Article("停电了找谁？", "拨打95598供电服务热线。", "供电公司服务规范", "u-street",
            date(2020, 1, 1), date(2021, 1, 1), valid_to=date(2021, 12, 31)),
]


@pytest.fixture
def kb(service):
    kb = service.kb
    for a in ARTICLES:
        kb.save(a, OFFICE)
    return kb


@pytest.mark.parametrize(("query", "found"), [
    ("供暖", ["冬季供暖温度不达标怎么办？"]),
    ("漏水", ["楼上漏水如何处理？"]),
    ("物业费", ["物业费收费标准是多少？"]),
    ("物业", ["楼上漏水如何处理？", "物业费收费标准是多少？"]),
    ("供暖 漏水", []),
    ("停电", []),  # expired article
    ("噪音", []),
    ('" OR 1=1 --', []),
    ("漏水 NEAR(物业 阀门) *", []),
])
def test_chinese_words_find_their_articles_and_nothing_else(kb, query, found):
    assert sorted(a["question"] for a in kb.search(query)) == sorted(found)


def test_expired_articles_on_request_and_edits_reindex(kb):
    (old,) = kb.search("停电", include_expired=True)
    assert old["valid"] is False
    (leak,) = kb.search("漏水")
    kb.save(Article("楼上渗水如何处理？", "联系物业。", "《物业管理条例》", "u-wuye",
                    date(2025, 1, 1), date(2027, 1, 1)), WUYE, article_id=leak["id"])
    assert kb.search("漏水") == []
    assert [a["id"] for a in kb.search("渗水")] == [leak["id"]]


def test_only_the_office_or_owner_unit_writes_articles(kb):
    street = Viewer(Role.UNIT, "w", unit="u-street")
    (leak,) = kb.search("漏水")
    with pytest.raises(Forbidden):
        kb.save(ARTICLES[1], street, article_id=leak["id"])
    with pytest.raises(ValidationFailed) as exc:
        kb.save(Article("", "x", "y", "u-wuye", date(2026, 1, 1), date(2025, 1, 1)), OFFICE)
    assert set(exc.value.fields) == {"question", "review_due"}


def test_not_found_and_correction_requests_have_profile_deadlines(kb, service):
    clock = service.clock  # Monday 2026-03-02 09:00
    nf = kb.request(RequestKind.NOT_FOUND, "电梯年检由谁负责？", AGENT, unit="u-wuye")
    (leak,) = kb.search("漏水")
    fix = kb.request(RequestKind.CORRECTION, "到场时限已改为2小时", AGENT, article_id=leak["id"])
    reqs = {r["id"]: r for r in kb.open_requests(WUYE)}
    assert reqs[nf]["due_at"].startswith("2026-03-09")   # 5 working days
    assert reqs[fix]["due_at"].startswith("2026-03-04")  # 2 working days
    clock.advance(days=3)
    assert {r["id"]: r["overdue"] for r in kb.open_requests(WUYE)} == {fix: True, nf: False}
    kb.resolve(fix, "已更新", WUYE)
    assert [r["id"] for r in kb.open_requests(WUYE)] == [nf]
    with pytest.raises(ValidationFailed):
        kb.request(RequestKind.CORRECTION, "x", AGENT)


def test_direct_answers_record_the_article_used(kb, service):
    (art,) = kb.search("供暖")
    tid = service.register(FORM, AGENT)
    view = service.command(tid, AnswerDirectly(art["answer"], art["id"]), AGENT)
    assert view["status"] == "answered_directly" and view["kb_article"] == art["id"]
    assert kb.tickets_answered_by(art["id"]) == [tid]
    other = service.register(FORM, AGENT)
    with pytest.raises(ValidationFailed, match="kb_article"):
        service.command(other, AnswerDirectly("答复", 9999), AGENT)
    assert service.get(other, AGENT)["status"] == "registered"
