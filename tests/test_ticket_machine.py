"""Property: no sequence of commands, legal or not, brings a ticket into an illegal state."""

from datetime import datetime, timedelta

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from tickets_support import CTX, TZ

from callcenter.domain.access.commands import may_command
from callcenter.domain.policy import Span, Urgency
from callcenter.domain.privacy import Role, UnitRole, Viewer
from callcenter.domain.replies import Callback, Kind, Reply
from callcenter.domain.tickets import (
    FINISHED,
    WITH_UNIT,
    Absorb,
    AcceptReply,
    Actor,
    AgreeExtension,
    AnswerDirectly,
    ApproveDispatch,
    Archive,
    Chase,
    Command,
    DecideExtension,
    DecideReturn,
    Dispatch,
    LogContact,
    MergeInto,
    ParkingForm,
    ProposeDispatch,
    RecordCallback,
    RecordParking,
    RefuseParking,
    RejectReply,
    RequestExtension,
    RequestParking,
    RequestReturn,
    ReturnRequest,
    SendToRevisit,
    SignOffHead,
    SignParking,
    StartWork,
    Status,
    SubmitReply,
    Supervise,
    Ticket,
    TicketError,
)
from callcenter.domain.transitions import apply

units = st.sampled_from(["u1", "u2", "u3"])
text = st.sampled_from(["", "原因说明", "经现场查看，已修复。", "我们将于下周处理"])
replies = st.builds(Reply, fact=st.sampled_from(["true", "untrue", "adopted", "policy_exists",
                                                 "partly_true"]),
                    demand=st.sampled_from(["reasonable", "too_high", "no_basis"]),
                    result=st.sampled_from(["solved", "too_high", "explained", "unsolved"]),
                    site_visit=st.sampled_from(["yes", "no_site", "maybe"]),
                    public_points=text, completion_report=text, reason=text, evidence=text)
callbacks = st.builds(Callback, reached=st.booleans(), first_contact_made=st.booleans(),
                      solved=st.booleans(), explained=st.booleans(),
                      attitude=st.integers(0, 6), speed=st.integers(0, 5),
                      result=st.integers(0, 5))
spans = st.sampled_from(["15d", "30d", "20d", "90d", "5wd"]).map(Span.parse)
returns = st.builds(ReturnRequest, reason=text, event_time=text, place=text, people=text,
                    suggested_unit=units, policy_basis=text, written_request=text)
parking = st.builds(ParkingForm, summary=text, facts=text, policy=text, conclusion=text,
                    evidence=text)
commands = st.one_of(
    st.builds(AnswerDirectly, answer=text, kb_article=st.none() | st.integers(1, 3)),
    st.builds(Dispatch, lead_unit=units, co_units=st.lists(units, max_size=2).map(tuple),
              designated=st.booleans()),
    st.builds(ProposeDispatch, lead_unit=units), st.builds(ApproveDispatch),
    st.builds(LogContact, note=text), st.builds(StartWork),
    st.builds(RequestExtension, span=spans, reason=text), st.builds(AgreeExtension),
    st.builds(DecideExtension, approve=st.booleans(), reason=text),
    st.builds(RequestReturn, request=returns),
    st.builds(DecideReturn, approve=st.booleans(), reason=text),
    st.builds(RequestParking, form=parking), st.builds(SignParking),
    st.builds(RecordParking), st.builds(RefuseParking, reason=text),
    st.builds(SubmitReply, reply=replies), st.builds(AcceptReply),
    st.builds(RejectReply, reason=text), st.builds(RecordCallback, callback=callbacks),
    st.builds(SendToRevisit, reason=text), st.builds(Supervise, reason=text),
    st.builds(Chase, note=text), st.builds(SignOffHead), st.builds(Archive),
    st.builds(MergeInto, ticket_id=st.integers(1, 3), reason=text),
    st.builds(Absorb, ticket_id=st.integers(1, 3), reason=text),
)
STAFF = Actor("unit", "u1/li", "u1", "staff")
LEADER = Actor("unit", "u1/zhou", "u1", "leader")
HEAD = Actor("unit", "u1/wang", "u1", "head")
SUB_HEAD = Actor("unit", "u1-a/sun", "u1-a", "head", parent_unit="u1")
OFFICE = Actor("supervisor", "s1")
AGENT = Actor("agent", "a1")
actors = st.sampled_from([STAFF, LEADER, HEAD, SUB_HEAD, OFFICE, AGENT])
GOOD = Reply("true", "reasonable", "solved", "yes", "已修复。", "已修复。")


def _viewer(a: Actor) -> Viewer:
    if a.role == "unit":
        return Viewer(Role.UNIT, a.id.split("/")[1], a.unit, UnitRole(a.unit_role))
    return Viewer(Role(a.role), a.id)


PARK = ParkingForm("诉求", "事实", "政策", "结论", "证据")
RET = ReturnRequest("不属职责", "3月1日", "3号楼", "住户", "u3", "条例")
FORWARD: dict[Status, list[tuple[Command, Actor]]] = {
    Status.REGISTERED: [(Dispatch("u1"), AGENT), (Dispatch("u2", ("u3",), designated=True),
                                                  OFFICE)],
    Status.DISPATCHED: [(LogContact("电话联系"), STAFF), (Chase("催"), OFFICE),
                        (RequestExtension(Span.parse("15d"), "招标"), LEADER)],
    Status.CONTACTED: [(StartWork(), STAFF), (SubmitReply(GOOD), STAFF),
                       (RequestParking(PARK), STAFF), (RequestReturn(RET), STAFF),
                       (DecideExtension(True), OFFICE), (Supervise("群体投诉"), OFFICE)],
    Status.IN_PROGRESS: [(SubmitReply(GOOD), STAFF), (RequestParking(PARK), STAFF),
                         (Chase("催"), OFFICE), (SignOffHead(), HEAD)],
    Status.REVISIT: [(SubmitReply(GOOD), STAFF),
                     (SubmitReply(Reply("untrue", "reasonable", "explained", "no", "经核实。",
                                        "经核实。", "无此事", "记录")), STAFF)],
    Status.RETURN_REQUESTED: [(DecideReturn(True, "同意"), OFFICE),
                              (DecideReturn(False, "属职责"), OFFICE)],
    Status.RETURNED: [(Dispatch("u3"), OFFICE)],
    Status.PARKING_REQUESTED: [(SignParking(), HEAD), (SignParking(), SUB_HEAD),
                               (RecordParking(), OFFICE), (RefuseParking("可解决"), OFFICE)],
    Status.REPLIED: [(AcceptReply(), OFFICE), (RejectReply("要点不全"), OFFICE),
                     (SignOffHead(), HEAD)],
    Status.CLOSED: [(RecordCallback(Callback(True, True, True, False, 5, 5, 5)), AGENT),
                    (RecordCallback(Callback(True, True, False, False, 2, 3, 1)), AGENT),
                    (RecordCallback(Callback(reached=False)), AGENT), (Archive(), OFFICE)],
    Status.CALLED_BACK: [(Archive(), OFFICE), (SendToRevisit("复核"), OFFICE)],
    Status.PARKED: [(Archive(), OFFICE)],
}
# A closed ticket may still be called back or reviewed again; the others only archived.
AFTER_FINISHED = {Status.CLOSED: {Status.CLOSED, Status.CALLED_BACK, Status.REVISIT,
                                  Status.ARCHIVED},
                  Status.CALLED_BACK: {Status.REVISIT, Status.ARCHIVED},
                  Status.ANSWERED_DIRECTLY: {Status.ARCHIVED},
                  Status.PARKED: {Status.ARCHIVED}}


class TicketMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 1, 5, 9, tzinfo=TZ)
        self.ticket = Ticket(kind=Kind.COMPLAINT, urgency=Urgency.GENERAL, registered_at=self.now,
                             id=1)
        self.seen = [Status.REGISTERED]

    @rule(cmd=commands, actor=actors, minutes=st.integers(0, 3000))
    def any_command(self, cmd, actor, minutes):
        self.step(cmd, actor, minutes)

    @rule(data=st.data(), minutes=st.integers(0, 600))
    def forward(self, data, minutes):
        # Mostly-valid commands for the current status, so deep states are reached too.
        options = FORWARD.get(self.ticket.status)
        if options:
            cmd, actor = data.draw(st.sampled_from(options))
            self.step(cmd, actor, minutes)

    def step(self, cmd, actor, minutes):
        self.now += timedelta(minutes=minutes)
        before = self.ticket
        if may_command(_viewer(actor), cmd, before, actor.parent_unit) is not None:
            return  # the service refuses it before the machine sees it (403)
        try:
            self.ticket = apply(before, cmd, actor, self.now, CTX)
        except TicketError:
            assert self.ticket is before
            return
        assert len(self.ticket.history) == len(before.history) + 1
        entry = self.ticket.history[-1]
        assert (entry.from_status, entry.to_status) == (before.status, self.ticket.status)
        assert entry.actor == actor
        if before.status in FINISHED:
            assert self.ticket.status in AFTER_FINISHED[before.status]
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
        if t.status in (Status.REPLIED, Status.CLOSED, Status.CALLED_BACK):
            assert t.replies and t.lead_unit
        if t.status in (Status.CLOSED, Status.CALLED_BACK):
            # Closed by the office's acceptance, never by waiting for a callback.
            accepted = [e for e in t.history if e.action == "AcceptReply"]
            assert accepted and accepted[-1].actor.role == "supervisor"
            assert not t.head_signoff_required or t.head_signed_by
            assert t.closed_at is not None
        if t.status is Status.CALLED_BACK:
            assert t.callback_outcome in ("satisfied", "unreachable")
            last = t.callbacks[-1]
            assert (last.satisfied and (last.solved or last.explained)) if last.reached \
                else t.callback_outcome == "unreachable"
        if t.head_signed_by is not None:
            signer = next(e.actor for e in reversed(t.history) if e.action == "SignOffHead")
            assert signer.id == t.head_signed_by and signer.unit_role == "head"
        if t.status is Status.PARKED:
            kinds = sorted(s.split("=")[0] for s in t.parking_signers)
            people = {s.split("=")[1] for s in t.parking_signers}
            assert kinds == ["sub_unit_head", "unit_head"] and len(people) == 2
        if t.pending_extension is not None and t.pending_extension.agreed_by is not None:
            assert t.pending_extension.agreed_by in (LEADER.id, HEAD.id)
        if t.status is Status.ANSWERED_DIRECTLY:
            assert t.answer.strip() and t.dispatched_at is None
        if t.supervised:
            assert t.head_signoff_required and t.supervision_reasons
        for r in t.replies:
            assert not (r.demand == "too_high" and r.result != "too_high")
            assert r.site_visit in ("yes", "no", "no_site")
        if t.status is Status.ARCHIVED:
            assert t.history[-1].from_status in (Status.CLOSED, Status.CALLED_BACK,
                                                 Status.ANSWERED_DIRECTLY, Status.PARKED)


TicketMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40,
                                           deadline=None)
test_ticket_state_machine = TicketMachine.TestCase



def test_the_machine_reaches_every_status():
    """The forward walk alone reaches each status (the property test above may too)."""
    import random

    seen: set[Status] = set()
    for seed in range(300):
        rnd = random.Random(seed)
        now = datetime(2026, 1, 5, 9, tzinfo=TZ)
        t = Ticket(kind=Kind.COMPLAINT, urgency=Urgency.GENERAL, registered_at=now, id=1)
        seen.add(t.status)
        for _ in range(40):
            options = FORWARD.get(t.status)
            if not options:
                break
            cmd, actor = rnd.choice(options)
            if t.status in (Status.REGISTERED, Status.DISPATCHED) and rnd.random() < 0.1:
                rare: list[tuple[Command, Actor]] = [(AnswerDirectly("已解答", None), AGENT),
                                                     (MergeInto(2, "同一事项"), AGENT)]
                cmd, actor = rnd.choice(rare)
            now += timedelta(minutes=rnd.randint(0, 300))
            try:
                t = apply(t, cmd, actor, now, CTX)
            except TicketError:
                continue
            seen.add(t.status)
    assert seen == set(Status), set(Status) - seen
