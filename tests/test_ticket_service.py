"""Work orders through the service layer on a real store (SQLite and PostgreSQL)."""


import pytest
from tickets_support import (
    AGENT,
    FORM,
    OFFICE,
    OTHER,
    REPLY,
    STREET,
    TEAM_HEAD,
    WUYE,
    WUYE_HEAD,
    WUYE_LEADER,
)

from callcenter.domain.access.commands import offered
from callcenter.domain.policy import Span
from callcenter.domain.privacy import HIDDEN
from callcenter.domain.registration import Registration
from callcenter.domain.replies import Callback, Kind
from callcenter.domain.tickets import (
    AcceptReply,
    AddNote,
    AgreeExtension,
    DecideExtension,
    Dispatch,
    LogContact,
    ParkingForm,
    RecordCallback,
    RecordParking,
    RequestExtension,
    RequestParking,
    SignParking,
    StartWork,
    Status,
    SubmitReply,
    TicketError,
)
from callcenter.services.errors import Forbidden, NotFound, ValidationFailed
from callcenter.storage.tickets_repo import ConcurrentUpdate, TicketsRepo
from callcenter.storage.uow import UnitOfWork


def test_full_story_from_call_to_close_and_its_audit_trail(service):
    clock = service.clock
    tid = service.register(FORM, AGENT, linkedid="1795461234.1")
    service.command(tid, Dispatch("u-wuye", ("u-street",)), AGENT)
    clock.advance(hours=3)
    service.command(tid, LogContact("电话联系张先生，约定明天上门"), WUYE)
    service.command(tid, StartWork(), WUYE)
    clock.advance(days=2)
    service.command(tid, RequestExtension(Span.parse("15d"), "需更换整段立管"), WUYE)
    service.command(tid, AgreeExtension(), WUYE_LEADER)
    view = service.command(tid, DecideExtension(True, "同意"), OFFICE)
    assert view["extensions"] == ["15d"] and view["due"]["completion"].startswith("2026-03-24")
    clock.advance(days=5)
    service.command(tid, SubmitReply(REPLY), WUYE)
    view = service.command(tid, AcceptReply(), OFFICE)
    assert view["status"] == "closed" and view["callbacks"] == []  # no callback needed
    unhappy = Callback(first_contact_made=True, solved=False, attitude=4, speed=2, result=2)
    view = service.command(tid, RecordCallback(unhappy), AGENT)
    assert view["status"] == "revisit" and view["sla"] == "on_time"
    clock.advance(days=1)
    service.command(tid, SubmitReply(REPLY), WUYE)
    service.command(tid, AcceptReply(), OFFICE)
    happy = Callback(first_contact_made=True, solved=True, attitude=5, speed=5, result=4)
    view = service.command(tid, RecordCallback(happy), AGENT)
    assert view["status"] == "called_back" and view["calls"] == ["1795461234.1"]
    assert view["callback"] == {"sampled": True, "outcome": "satisfied"}
    story = [(a["action"], a["to"], a["actor"]["id"]) for a in service.audit(tid, OFFICE)]
    assert story == [
        ("Dispatch", "dispatched", "agent-7"), ("LogContact", "contacted", "u-wuye/li"),
        ("StartWork", "in_progress", "u-wuye/li"),
        ("RequestExtension", "in_progress", "u-wuye/li"),
        ("AgreeExtension", "in_progress", "u-wuye/zhou"),
        ("DecideExtension", "in_progress", "office-1"), ("SubmitReply", "replied", "u-wuye/li"),
        ("AcceptReply", "closed", "office-1"), ("RecordCallback", "revisit", "agent-7"),
        ("SubmitReply", "replied", "u-wuye/li"), ("AcceptReply", "closed", "office-1"),
        ("RecordCallback", "called_back", "agent-7")]


def test_parking_signed_by_the_two_heads_then_recorded(service):
    tid = service.register(FORM, AGENT)
    service.command(tid, Dispatch("u-wuye"), AGENT)
    service.command(tid, LogContact("x"), WUYE)
    form = ParkingForm("要求拆除违建", "1998年建成", "不予拆除", "无法解决", "照片")
    service.command(tid, RequestParking(form), WUYE)
    with pytest.raises(TicketError, match="unit heads"):
        service.command(tid, SignParking(), WUYE_LEADER)
    with pytest.raises(NotFound):  # another unit's head does not even see it
        service.command(tid, SignParking(), OTHER)
    service.command(tid, SignParking(), WUYE_HEAD)
    with pytest.raises(TicketError, match="already signed"):
        service.command(tid, SignParking(), WUYE_HEAD)
    view = service.command(tid, SignParking(), TEAM_HEAD)
    assert view["parking_signers"] == ["unit_head=u-wuye/wang", "sub_unit_head=u-wuye-1/sun"]
    assert view["reporter"]["phone"] != FORM.reporter_phone  # the lower unit sees no identity
    with pytest.raises(Forbidden):
        service.command(tid, RecordParking(), WUYE_HEAD)
    assert service.command(tid, RecordParking("备案"), OFFICE)["status"] == "parked"


def test_a_unit_cannot_read_another_units_ticket(service):
    tid = service.register(FORM, AGENT)
    service.command(tid, Dispatch("u-wuye", ("u-street",)), AGENT)
    with pytest.raises(NotFound):
        service.get(tid, OTHER)
    with pytest.raises(NotFound):
        service.command(tid, LogContact("x"), OTHER)
    assert service.list(OTHER) == []
    assert [t["id"] for t in service.list(WUYE)] == [tid]
    assert [t["id"] for t in service.list(STREET)] == [tid]
    # A co-unit reads but does not act; the lead unit does not dispatch.
    with pytest.raises(Forbidden):
        service.command(tid, LogContact("x"), STREET)
    with pytest.raises(Forbidden):
        service.command(tid, Dispatch("u-water"), WUYE)


def test_identity_by_role_and_anonymous_reporter_never_shown_to_units(service):
    tid = service.register(FORM, AGENT)
    service.command(tid, Dispatch("u-wuye", ("u-street",)), AGENT)
    assert service.get(tid, AGENT)["reporter"]["phone"] == "13812345678"
    assert service.get(tid, WUYE)["reporter"] == {"name": "张三", "gender": "male",
                                                  "phone": "13812345678",
                                                  "home_address": "翠竹社区5号楼101"}
    assert service.get(tid, STREET)["reporter"] == {"name": HIDDEN, "gender": HIDDEN,
                                                    "phone": "138****5678",
                                                    "home_address": "翠竹社****"}
    assert service.list(WUYE)[0]["reporter_phone"] == "138****5678"
    assert service.get(tid, WUYE)["calls"] == []

    secret = Registration(**{**FORM.__dict__, "kind": Kind.REPORT, "anonymous": True,
                             "matter": "小区违建，请勿透露我的身份"})
    aid = service.register(secret, AGENT)
    service.command(aid, Dispatch("u-wuye"), AGENT)
    shown = service.get(aid, WUYE)
    assert shown["reporter"] == {"name": HIDDEN, "gender": HIDDEN, "phone": HIDDEN,
                                 "home_address": HIDDEN}
    assert "13812345678" not in str(shown) and "张三" not in str(shown)
    assert "5号楼101" not in str(shown)
    assert "13812345678" not in str(service.list(WUYE)) and "5678" not in str(
        [t for t in service.list(WUYE) if t["id"] == aid])
    assert service.get(aid, OFFICE)["reporter"]["name"] == "张三"


def test_bad_registration_names_every_field(service):
    bad = Registration(**{**FORM.__dict__, "matter": "", "reporter_phone": "138-1234",
                          "address": "x" * 300})
    with pytest.raises(ValidationFailed) as exc:
        service.register(bad, AGENT)
    assert set(exc.value.fields) == {"matter", "reporter_phone", "address"}
    with pytest.raises(Forbidden):
        service.register(FORM, WUYE)


def test_dispatch_to_a_unit_not_in_the_directory_is_refused(service):
    tid = service.register(FORM, AGENT)
    with pytest.raises(ValidationFailed) as exc:
        service.command(tid, Dispatch("u-nobody"), AGENT)
    assert "u-nobody" in exc.value.fields["lead_unit"]
    with pytest.raises(ValidationFailed) as exc:
        service.command(tid, Dispatch("u-wuye", ("u-ghost",)), AGENT)
    assert set(exc.value.fields) == {"co_units"}
    assert service.get(tid, AGENT)["status"] == "registered"


def test_concurrent_saves_do_not_overwrite_each_other(service):
    tid = service.register(FORM, AGENT)
    with UnitOfWork(service.uow.engine, read_only=True) as uow:
        st = TicketsRepo(uow.session).get(tid)
    service.command(tid, Dispatch("u-wuye"), AGENT)
    with pytest.raises(ConcurrentUpdate), UnitOfWork(service.uow.engine) as uow:
        TicketsRepo(uow.session).save(st.ticket, st.version, len(st.ticket.history))
    assert service.get(tid, AGENT)["lead_unit"] == "u-wuye"


def test_repeat_calls_send_to_revisit_at_3_and_supervision_at_5(service):
    tid = service.register(FORM, AGENT, linkedid="c1")
    service.command(tid, Dispatch("u-wuye"), AGENT)
    service.command(tid, LogContact("x"), WUYE)
    service.command(tid, SubmitReply(REPLY), WUYE)
    assert service.add_call(tid, "c2", AGENT)["status"] == "replied"
    assert service.add_call(tid, "c2", AGENT)["repeats"] == 2  # same call: no repeat
    view = service.add_call(tid, "c3", AGENT)
    assert view["status"] == "revisit" and not view["supervised"] and view["repeats"] == 3
    service.add_call(tid, "c4", AGENT)
    view = service.add_call(tid, "c5", AGENT)
    assert view["supervised"] and view["head_signoff_required"] and view["repeats"] == 5
    assert view["calls"] == ["c1", "c2", "c3", "c4", "c5"]


def test_co_units_and_the_lead_unit_add_notes_nobody_else_does(service):
    tid = service.register(FORM, AGENT)
    service.command(tid, Dispatch("u-wuye", ("u-street",)), AGENT)
    service.command(tid, AddNote("楼上住户已联系，周三可入户"), STREET)
    service.command(tid, AddNote("收到"), WUYE)
    with pytest.raises(NotFound):  # not its ticket: as if there were none
        service.command(tid, AddNote("与我无关"), OTHER)
    with pytest.raises(Forbidden):
        service.command(tid, AddNote("热线"), AGENT)
    with pytest.raises(TicketError):
        service.command(tid, AddNote("  "), STREET)
    notes = [(e["actor"]["id"], e["why"], e["from"], e["to"])
             for e in service.audit(tid, OFFICE) if e["action"] == "AddNote"]
    assert notes == [("u-street/wang", "楼上住户已联系，周三可入户", "dispatched", "dispatched"),
                     ("u-wuye/li", "收到", "dispatched", "dispatched")]
    assert service.get(tid, WUYE)["status"] == "dispatched"
    # The page offers it to a co-unit's people, and only the note.
    assert offered(STREET, Status.DISPATCHED, "u-wuye", ("u-street",)) == [AddNote]
    assert AddNote in offered(WUYE, Status.DISPATCHED, "u-wuye", ("u-street",))
    assert offered(OTHER, Status.DISPATCHED, "u-wuye", ("u-street",)) == []
