"""Property: no sequence of commands, legal or not, brings a ticket into an illegal state."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from callcenter.config import PROJECT_ROOT
from callcenter.domain.policy import Span, Urgency, load_profiles
from callcenter.domain.replies import Callback, Kind, Reply
from callcenter.domain.tickets import (
    FINISHED,
    WITH_UNIT,
    Absorb,
    Actor,
    AnswerDirectly,
    Archive,
    Chase,
    Close,
    DecideExtension,
    DecideReturn,
    Dispatch,
    LogContact,
    MergeInto,
    RecordCallback,
    RefuseParking,
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
units = st.sampled_from(["u1", "u2", "u3"])
text = st.sampled_from(["", "原因说明", "经现场查看，已修复。", "我们将尽快处理"])
replies = st.builds(Reply, fact=st.sampled_from(["true", "untrue", "adopted", "policy_exists"]),
                    demand=st.sampled_from(["reasonable", "too_high", "no_basis"]),
                    result=st.sampled_from(["solved", "too_high", "explained"]),
                    site_visit=st.sampled_from(["yes", "no_site", "maybe"]),
                    public_points=text, completion_report=text, reason=text)
callbacks = st.builds(Callback, first_contact_made=st.booleans(), solved=st.booleans(),
                      attitude=st.integers(0, 6), speed=st.integers(1, 5),
                      result=st.integers(1, 5))
spans = st.sampled_from(["15d", "30d", "20d", "90d", "5wd"]).map(Span.parse)
commands = st.one_of(
    st.builds(AnswerDirectly, answer=text, kb_article=st.none() | st.integers(1, 3)),
    st.builds(Dispatch, lead_unit=units, co_units=st.lists(units, max_size=2).map(tuple),
              designated=st.booleans()),
    st.builds(LogContact, note=text), st.builds(StartWork),
    st.builds(RequestExtension, span=spans, reason=text),
    st.builds(DecideExtension, approve=st.booleans(), reason=text),
    st.builds(RequestReturn, request=st.builds(ReturnRequest, reason=text,
                                               contact_logged=st.booleans(),
                                               suggested_unit=units)),
    st.builds(DecideReturn, approve=st.booleans(), reason=text),
    st.builds(RequestParking, reason=text), st.builds(SignParking, signer=st.sampled_from("ab")),
    st.builds(RefuseParking, reason=text),
    st.builds(SubmitReply, reply=replies), st.builds(RecordCallback, callback=callbacks),
    st.builds(SendToRevisit, reason=text), st.builds(Supervise, reason=text),
    st.builds(Chase, note=text), st.builds(SignOffHead, signer=st.just("head")),
    st.builds(Close), st.builds(Archive),
    st.builds(MergeInto, ticket_id=st.integers(1, 3), reason=text),
    st.builds(Absorb, ticket_id=st.integers(1, 3), reason=text),
)
ACTOR = Actor("unit", "u1")
GOOD = Reply("true", "reasonable", "solved", "yes", "已修复。", "已修复。")
FORWARD = {
    Status.REGISTERED: [Dispatch("u1"), Dispatch("u2", ("u3",), designated=True)],
    Status.DISPATCHED: [LogContact("电话联系"), Chase("催"),
                        RequestReturn(ReturnRequest("不属职责", True, "u3")),
                        RequestExtension(Span.parse("15d"), "招标")],
    Status.CONTACTED: [StartWork(), SubmitReply(GOOD), RequestParking("无法解决"),
                       DecideExtension(True), Supervise("群体投诉")],
    Status.IN_PROGRESS: [SubmitReply(GOOD), RequestParking("无法解决"), Chase("催")],
    Status.REVISIT: [SubmitReply(GOOD), SubmitReply(Reply("untrue", "reasonable", "explained",
                                                          "no", "经核实。", "经核实。", "无此事"))],
    Status.RETURN_REQUESTED: [DecideReturn(True, "同意"), DecideReturn(False, "属职责")],
    Status.RETURNED: [Dispatch("u3")],
    Status.PARKING_REQUESTED: [SignParking("a"), SignParking("b"), RefuseParking("可解决")],
    Status.REPLIED: [RecordCallback(Callback(True, True, 5, 5, 5)),
                     RecordCallback(Callback(True, False, 2, 3, 1))],
    Status.CALLED_BACK: [Close(), SignOffHead("head"), SendToRevisit("复核")],
    Status.CLOSED: [Archive()], Status.PARKED: [Archive()],
}


class TicketMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 1, 5, 9, tzinfo=TZ)
        self.ticket = Ticket(kind=Kind.COMPLAINT, urgency=Urgency.GENERAL, registered_at=self.now,
                             id=1)
        self.seen = [Status.REGISTERED]

    @rule(cmd=commands, minutes=st.integers(0, 3000))
    def any_command(self, cmd, minutes):
        self.step(cmd, minutes)

    @rule(data=st.data(), minutes=st.integers(0, 600))
    def forward(self, data, minutes):
        # Mostly-valid commands for the current status, so deep states are reached too.
        options = FORWARD.get(self.ticket.status)
        if options:
            self.step(data.draw(st.sampled_from(options)), minutes)

    def step(self, cmd, minutes):
        self.now += timedelta(minutes=minutes)
        before = self.ticket
        try:
            self.ticket = apply(before, cmd, ACTOR, self.now, CTX)
        except TicketError:
            assert self.ticket is before
            return
        assert len(self.ticket.history) == len(before.history) + 1
        entry = self.ticket.history[-1]
        assert (entry.from_status, entry.to_status) == (before.status, self.ticket.status)
        if before.status in FINISHED:
            assert before.status is not Status.ARCHIVED and before.status is not Status.MERGED
            assert self.ticket.status is Status.ARCHIVED
        self.seen.append(self.ticket.status)
        event(f"reached {self.ticket.status.value}")

    @invariant()
    def state_is_consistent(self):
        t = self.ticket
        for a, b in zip(t.history, t.history[1:], strict=False):
            assert a.to_status == b.from_status
        if t.status in WITH_UNIT:
            assert t.lead_unit and t.due_at is not None and t.dispatched_at is not None
            assert t.due_soon_at is not None and t.due_soon_at <= t.due_at
            assert t.first_contact_due is not None and t.first_contact_due > t.dispatched_at
            assert t.lead_unit not in t.co_units
        if t.status in (Status.REPLIED, Status.CALLED_BACK):
            assert t.replies
        if t.status is Status.CLOSED:
            assert t.callbacks and t.callbacks[-1].satisfied and t.callbacks[-1].solved
            assert not t.head_signoff_required or t.head_signed_by
        if t.status is Status.PARKED:
            assert len(set(t.parking_signers)) >= 2
        if t.status is Status.ANSWERED_DIRECTLY:
            assert t.answer.strip() and t.dispatched_at is None
        if t.supervised:
            assert t.head_signoff_required and t.supervision_reasons
        for r in t.replies:
            assert not (r.demand == "too_high" and r.result != "too_high")
            assert r.site_visit in ("yes", "no", "no_site")
        if t.status is Status.ARCHIVED:
            assert t.history[-1].from_status in (Status.CLOSED, Status.ANSWERED_DIRECTLY,
                                                 Status.PARKED)


TicketMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40,
                                           deadline=None)
test_ticket_state_machine = TicketMachine.TestCase

