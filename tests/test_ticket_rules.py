"""One test per work-order rule (DOMAIN.md, "Work order lifecycle"), named after the rule."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.domain.policy import SlaState, Span, Urgency, load_profiles
from callcenter.domain.replies import Callback, Kind, Reply, lint_public_points
from callcenter.domain.supervision import (
    CONTRADICTORY,
    OVERDUE,
    due_times,
    first_contact_late,
    repeat_effect,
    sla,
    supervision_reasons,
)
from callcenter.domain.tickets import (
    Absorb,
    Actor,
    AnswerDirectly,
    Archive,
    Chase,
    Close,
    DecideExtension,
    DecideReturn,
    Dispatch,
    IllegalTransition,
    LogContact,
    MergeInto,
    RecordCallback,
    RequestExtension,
    RequestParking,
    RequestReturn,
    ReturnRequest,
    RulesContext,
    SendToRevisit,
    SignOffHead,
    SignParking,
    StartWork,
    Status,
    SubmitReply,
    Supervise,
    Ticket,
    TicketError,
    apply,
)
from callcenter.domain.workdays import WorkCalendar

TZ = ZoneInfo("Asia/Shanghai")
CTX = RulesContext(load_profiles(PROJECT_ROOT / "config" / "policies.toml")["shanghai-2022"],
                   WorkCalendar(), TZ)
AGENT, UNIT, OFFICE = Actor("agent", "a1"), Actor("unit", "u-wuye"), Actor("supervisor", "s1")
MON = datetime(2026, 3, 2, 10, tzinfo=TZ)  # an ordinary Monday, no holidays for weeks
GOOD = Reply(fact="true", demand="reasonable", result="solved", site_visit="yes",
             public_points="经现场查看，漏水已于3月5日修复。", completion_report="已修复，附照片。")
HAPPY = Callback(first_contact_made=True, solved=True, attitude=5, speed=4, result=5)


def ticket(kind: Kind = Kind.COMPLAINT, urgency: Urgency = Urgency.GENERAL, **kw) -> Ticket:
    return Ticket(kind=kind, urgency=urgency, registered_at=MON, id=kw.pop("id", 1), **kw)


def run(t: Ticket, *steps, at: datetime = MON) -> Ticket:
    for step in steps:
        actor = UNIT if isinstance(step, LogContact | StartWork | SubmitReply
                                   | RequestExtension | RequestReturn | RequestParking) else OFFICE
        t = apply(t, step, actor, at, CTX)
    return t


def dispatched(**kw) -> Ticket:
    return run(ticket(**kw), Dispatch("u-wuye"))


def rule(exc: pytest.ExceptionInfo[TicketError]) -> str:
    return exc.value.rule


def test_rule_direct_answer_closes_at_once_with_article():
    t = run(ticket(Kind.CONSULTATION), AnswerDirectly("按规定可申请维修资金。", kb_article=7))
    assert t.status is Status.ANSWERED_DIRECTLY and t.kb_article == 7
    assert run(t, Archive()).status is Status.ARCHIVED
    with pytest.raises(IllegalTransition):
        run(t, Dispatch("u-wuye"))


def test_rule_dispatch_sets_deadlines_from_the_profile():
    t = dispatched()
    # general = 5 working days after Monday 3-2: Monday 3-9, end of day.
    assert t.due_at == datetime(2026, 3, 9, 23, 59, 59, 999999, tzinfo=TZ)
    d = due_times(t, CTX)
    assert d.first_contact.date() == MON.date() + timedelta(days=1)
    assert d.extension_window.date() == datetime(2026, 3, 13).date()  # working day 9
    assert d.return_window.date() == datetime(2026, 3, 3).date()
    urgent = run(ticket(urgency=Urgency.URGENT), Dispatch("u-wuye"))
    assert urgent.due_at == MON + timedelta(hours=2)


def test_rule_illegal_transitions_are_refused_and_change_nothing():
    t = ticket()
    for cmd in (LogContact("x"), SubmitReply(GOOD), Close(), Archive(), RecordCallback(HAPPY)):
        with pytest.raises(IllegalTransition, match="registered"):
            apply(t, cmd, UNIT, MON, CTX)
    assert t.status is Status.REGISTERED and t.history == ()


def test_rule_extension_only_until_working_day_9_after_dispatch():
    t = run(dispatched(), LogContact("电话联系"))
    on_day_9 = datetime(2026, 3, 13, 18, tzinfo=TZ)
    ok = run(t, RequestExtension(Span.parse("15d"), "需招标"), at=on_day_9)
    assert ok.pending_extension == Span(15, "d")
    with pytest.raises(TicketError) as exc:
        run(t, RequestExtension(Span.parse("15d"), "需招标"),
            at=datetime(2026, 3, 16, 9, tzinfo=TZ))
    assert rule(exc) == "extension" and "close" in str(exc.value)


def test_rule_extension_only_for_15_30_60_90_days():
    t = dispatched()
    with pytest.raises(TicketError) as exc:
        run(t, RequestExtension(Span.parse("20d"), "x"))
    assert rule(exc) == "extension" and "15d, 30d, 60d, 90d" in str(exc.value)
    approved = run(t, RequestExtension(Span.parse("30d"), "招标"), DecideExtension(True))
    assert approved.due_at == t.due_at.replace() + timedelta(days=30)
    refused = run(t, RequestExtension(Span.parse("30d"), "招标"), DecideExtension(False, "不符"))
    assert refused.due_at == t.due_at and refused.extensions == ()


def test_rule_return_only_within_1_working_day_of_dispatch():
    req = ReturnRequest("不属本单位职责", contact_logged=True, suggested_unit="u-street")
    t = dispatched()
    assert run(t, RequestReturn(req), at=MON + timedelta(days=1)).status is \
        Status.RETURN_REQUESTED
    with pytest.raises(TicketError) as exc:
        run(t, RequestReturn(req), at=MON + timedelta(days=2))
    assert rule(exc) == "return"


@pytest.mark.parametrize("req", [
    ReturnRequest("不属本单位", contact_logged=False, suggested_unit="u-street"),
    ReturnRequest("", contact_logged=True, suggested_unit="u-street"),
    ReturnRequest("不属本单位", contact_logged=True, suggested_unit=""),
    ReturnRequest("不属本单位", contact_logged=True, suggested_unit="u-wuye"),
])
def test_rule_return_needs_contact_reasons_and_a_right_unit(req):
    with pytest.raises(TicketError) as exc:
        run(dispatched(), RequestReturn(req))
    assert rule(exc) == "return"


@pytest.mark.parametrize("make", ["supervised", "revisit", "designated"])
def test_rule_return_never_for_supervised_revisit_or_designated(make):
    req = ReturnRequest("不属本单位", contact_logged=True, suggested_unit="u-street")
    if make == "designated":
        t = run(ticket(), Dispatch("u-wuye", designated=True))
    elif make == "supervised":
        t = run(dispatched(), Supervise("群体性投诉"))
    else:
        t = run(dispatched(), LogContact("x"), SubmitReply(GOOD), SendToRevisit("复核"))
        t = Ticket(**{**t.__dict__, "status": Status.CONTACTED})  # even back at the unit
    with pytest.raises(TicketError, match=make):
        run(t, RequestReturn(req))


def test_rule_approved_return_goes_back_for_redispatch_and_refusal_resumes():
    req = ReturnRequest("不属本单位", contact_logged=True, suggested_unit="u-street")
    asked = run(dispatched(), LogContact("x"), RequestReturn(req))
    back = run(asked, DecideReturn(True, "同意"))
    assert back.status is Status.RETURNED and back.lead_unit is None
    again = run(back, Dispatch("u-street"))
    assert again.status is Status.DISPATCHED and again.lead_unit == "u-street"
    assert run(asked, DecideReturn(False, "属于职责")).status is Status.CONTACTED
    with pytest.raises(TicketError):
        run(asked, DecideReturn(False, ""))


@pytest.mark.parametrize(("kind", "fact", "ok"), [
    (Kind.COMPLAINT, "true", True), (Kind.COMPLAINT, "adopted", False),
    (Kind.SUGGESTION, "partly_adopted", True), (Kind.SUGGESTION, "true", False),
    (Kind.CONSULTATION, "policy_exists", True), (Kind.CONSULTATION, "untrue", False),
])
def test_rule_reply_fact_must_suit_the_kind(kind, fact, ok):
    t = run(ticket(kind), Dispatch("u-wuye"), LogContact("x"))
    reply = Reply(**{**GOOD.__dict__, "fact": fact})
    if ok:
        assert run(t, SubmitReply(reply)).status is Status.REPLIED
    else:
        with pytest.raises(TicketError, match="fact"):
            run(t, SubmitReply(reply))


def test_rule_demand_too_high_means_result_too_high():
    t = run(dispatched(), LogContact("x"))
    bad = Reply(**{**GOOD.__dict__, "demand": "too_high", "reason": "超出标准"})
    with pytest.raises(TicketError, match="too_high"):
        run(t, SubmitReply(bad))
    good = Reply(**{**bad.__dict__, "result": "too_high"})
    assert run(t, SubmitReply(good)).status is Status.REPLIED


@pytest.mark.parametrize("change", [{"fact": "untrue"}, {"demand": "no_basis"},
                                    {"demand": "other"},
                                    {"demand": "too_high", "result": "too_high"}])
def test_rule_untrue_no_basis_too_high_other_need_a_reason(change):
    t = run(dispatched(), LogContact("x"))
    with pytest.raises(TicketError, match="reason"):
        run(t, SubmitReply(Reply(**{**GOOD.__dict__, **change})))
    assert run(t, SubmitReply(Reply(**{**GOOD.__dict__, **change, "reason": "经核实…"})))


@pytest.mark.parametrize(("text", "flag"), [
    ("我们将于下周修复。", "将"), ("计划解决时间为月底。", "计划解决"),
    ("预计三天内完成。", "预计"), ("根据领导批示处理。", "领导批示"),
    ("请联系13812345678。", "phone"), ("经现场查看，已修复。", None),
])
def test_rule_public_reply_points_are_linted(text, flag):
    problems = lint_public_points(text)
    if flag is None:
        assert problems == []
    else:
        assert any(flag in p for p in problems)


def test_rule_callback_records_contact_solved_and_three_satisfactions():
    t = run(dispatched(), LogContact("x"), SubmitReply(GOOD))
    done = run(t, RecordCallback(HAPPY))
    assert done.status is Status.CALLED_BACK and done.callbacks == (HAPPY,)
    with pytest.raises(TicketError, match="attitude"):
        run(t, RecordCallback(Callback(True, True, attitude=0, speed=3, result=3)))


def test_rule_dissatisfied_callback_sends_to_revisit_due_in_3_working_days():
    t = run(dispatched(), LogContact("x"), SubmitReply(GOOD))
    unhappy = Callback(first_contact_made=True, solved=False, attitude=4, speed=2, result=1)
    r = run(t, RecordCallback(unhappy))
    assert r.status is Status.REVISIT and r.revisits == 1
    assert r.due_at.date() == datetime(2026, 3, 5).date()


def test_rule_repeats_3_send_to_revisit_5_to_supervision_with_head_signoff():
    assert repeat_effect(2) == repeat_effect(1) and not repeat_effect(2).revisit
    assert repeat_effect(3).revisit and not repeat_effect(4).supervise
    assert repeat_effect(5).revisit and repeat_effect(5).supervise
    t = run(dispatched(), LogContact("x"), Supervise("5 repeats this year"), SubmitReply(GOOD),
            RecordCallback(HAPPY))
    with pytest.raises(TicketError) as exc:
        run(t, Close())
    assert rule(exc) == "head_signoff"
    assert run(t, SignOffHead("head-1"), Close()).status is Status.CLOSED


def test_rule_overdue_without_approved_extension_is_supervised():
    t = run(dispatched(), LogContact("x"))
    assert supervision_reasons(t, t.due_at - timedelta(minutes=1)) == []
    assert supervision_reasons(t, t.due_at + timedelta(minutes=1)) == [OVERDUE]
    assert sla(t, t.due_at + timedelta(minutes=1), CTX) is SlaState.OVERDUE
    extended = run(t, RequestExtension(Span.parse("15d"), "招标"), DecideExtension(True))
    assert supervision_reasons(extended, t.due_at + timedelta(minutes=1)) == []
    assert sla(extended, t.due_at + timedelta(minutes=1), CTX) is SlaState.ON_TIME


def test_rule_three_chases_raise_supervision():
    t = run(dispatched(), Chase("请尽快"), Chase("再催"))
    assert not t.supervised
    t = run(t, Chase("三催"))
    assert t.supervised and t.head_signoff_required and t.chases == 3


def test_rule_contradictory_replies_are_supervised():
    t = run(dispatched(), LogContact("x"), SubmitReply(GOOD), SendToRevisit("复核"))
    other = Reply(**{**GOOD.__dict__, "fact": "untrue", "result": "explained", "reason": "无此事"})
    t = run(t, SubmitReply(other))
    assert supervision_reasons(t, MON) == [CONTRADICTORY]


def test_rule_first_contact_within_1_day():
    t = dispatched()
    assert not first_contact_late(run(t, LogContact("x"), at=MON + timedelta(hours=20)), MON, CTX)
    late = run(t, LogContact("x"), at=MON + timedelta(days=2, hours=1))
    assert first_contact_late(late, MON + timedelta(days=3), CTX)


def test_rule_parking_needs_two_different_signoffs():
    t = run(dispatched(), LogContact("x"), RequestParking("历史遗留，无法解决"), SignParking("s1"))
    assert t.status is Status.PARKING_REQUESTED
    with pytest.raises(TicketError, match="already signed"):
        run(t, SignParking("s1"))
    parked = run(t, SignParking("s2"))
    assert parked.status is Status.PARKED and parked.parking_signers == ("s1", "s2")


def test_rule_merge_keeps_both_histories():
    a = run(ticket(id=1), Dispatch("u-wuye"), LogContact("x"))
    b = run(ticket(id=2), Dispatch("u-wuye"))
    merged = run(b, MergeInto(1, "同一事项"))
    survivor = run(a, Absorb(2, "同一事项"))
    assert merged.status is Status.MERGED and merged.merged_into == 1
    assert [e.action for e in merged.history] == ["Dispatch", "MergeInto"]
    assert [e.action for e in survivor.history] == ["Dispatch", "LogContact", "Absorb"]
    assert survivor.status is Status.CONTACTED
    with pytest.raises(TicketError):
        run(a, MergeInto(1, "self"))


def test_rule_every_transition_is_audited():
    t = run(dispatched(), LogContact("电话联系"), StartWork(), SubmitReply(GOOD),
            RecordCallback(HAPPY), Close(), Archive())
    steps = [(e.action, e.from_status.value, e.to_status.value) for e in t.history]
    assert steps == [("Dispatch", "registered", "dispatched"),
                     ("LogContact", "dispatched", "contacted"),
                     ("StartWork", "contacted", "in_progress"),
                     ("SubmitReply", "in_progress", "replied"),
                     ("RecordCallback", "replied", "called_back"),
                     ("Close", "called_back", "closed"), ("Archive", "closed", "archived")]
    assert t.history[1].actor == UNIT and t.history[1].why == "电话联系"
