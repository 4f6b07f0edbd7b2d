"""The call model folds facts, not AMI headers; telephony/call_facts.py is the translation."""

from callcenter.domain.calls import CallFact, Disposition, Fact, HungUpBy, What, build_record
from callcenter.telephony.call_facts import fact_of, seat_of_channel

LID = "1796000000.1"


def _f(at: float, what: What, uid: str = LID, **values: str) -> CallFact:
    return CallFact(at, what, uid, tuple(sorted(values.items())))


def test_a_record_from_facts_alone():
    seat_leg = "1796000000.2"
    facts = [
        _f(0.0, What.CHANNEL_START, channel="PJSIP/trunk-1", caller="13800138000",
           exten="12345"),
        _f(0.1, What.DIALPLAN, fact=Fact.START, Dialled="12345",
           Recording="/var/spool/asterisk/hotline-rec/2026/12/02/1796000000.1"),
        _f(0.2, What.DIALPLAN, fact=Fact.ROUTE, Route="queue"),
        _f(4.0, What.QUEUE_JOIN, queue="hotline"),
        _f(5.0, What.CHANNEL_START, seat_leg, channel="PJSIP/seat8001-1", seat="8001"),
        _f(6.5, What.AGENT_CONNECT, queue="hotline", seat="8001"),
        _f(20.0, What.AGENT_COMPLETE, by=HungUpBy.CITIZEN.value),
        _f(20.0, What.CHANNEL_END, channel="PJSIP/trunk-1", cause="16"),
        _f(20.1, What.CHANNEL_END, seat_leg, channel="PJSIP/seat8001-1", cause="16",
           seat="8001"),
    ]
    r = build_record(LID, reversed(facts))  # order does not matter; duplicates neither
    assert build_record(LID, facts + facts[:3]) == r
    assert (r.caller_number, r.dialled_number, r.route, r.queue, r.seat) == (
        "13800138000", "12345", "queue", "hotline", "8001")
    assert (r.wait_s, r.talk_s, r.hung_up_by, r.disposition) == (
        2.5, 13.5, HungUpBy.CITIZEN, Disposition.ANSWERED)
    assert [(g.role, g.hangup_cause) for g in r.legs] == [("citizen", 16), ("seat", 16)]
    assert r.rings == ()  # no AgentCalled seen (e.g. the controller came back mid-call)
    # Rings: 8002 rang first and let it pass, then 8001 twice; the ring 8001 answered is its
    # last one before it connected.
    rung = [_f(4.2, What.AGENT_CALLED, queue="hotline", seat="8002"),
            _f(4.8, What.AGENT_CALLED, queue="hotline", seat="8001"),
            _f(5.2, What.AGENT_CALLED, queue="hotline", seat="8001")]
    r = build_record(LID, facts + rung)
    assert [(g.seat, g.rung_at.timestamp(), g.answered) for g in r.rings] == [
        ("8002", 4.2, False), ("8001", 4.8, False), ("8001", 5.2, True)]
    # Given up while ringing: no ring answered.
    gone = build_record(LID, [*facts[:4], *rung, _f(7.0, What.QUEUE_ABANDON),
                              _f(7.0, What.CHANNEL_END, channel="PJSIP/trunk-1", cause="16")])
    assert [g.answered for g in gone.rings] == [False, False, False]
    # Hung up during the prompts: abandoned in the IVR.
    ivr = build_record(LID, [*facts[:3], _f(2.0, What.HANGUP_REQUEST),
                             _f(2.0, What.CHANNEL_END, channel="PJSIP/trunk-1", cause="16")])
    assert ivr.disposition is Disposition.ABANDONED_IVR and ivr.queue is None


def test_ami_events_translate_into_facts():
    new = fact_of({"Event": "Newchannel", "Channel": "PJSIP/seat8002-0000001a",
                   "CallerIDNum": "8002", "Exten": "s", "Uniqueid": "1.2", "Linkedid": "1.1",
                   "Timestamp": "1796000001.250000"})
    assert new is not None and (new.at, new.what, new.uniqueid) == (
        1796000001.25, What.CHANNEL_START, "1.2")
    assert dict(new.values) == {"caller": "8002", "channel": "PJSIP/seat8002-0000001a",
                                "exten": "s", "seat": "8002"}
    done = fact_of({"Event": "AgentComplete", "Reason": "agent", "Uniqueid": "1.1",
                    "Linkedid": "1.1", "Timestamp": "1796000009.0"})
    assert done is not None and done.get("by") == HungUpBy.SEAT.value
    snap = fact_of({"Event": "CoreShowChannel", "Channel": "PJSIP/trunk-1", "Duration":
                    "00:01:05", "BridgeId": "b1", "Uniqueid": "1.1", "Linkedid": "1.1"})
    assert snap is not None and (snap.get("duration_s"), snap.get("bridged")) == ("65.0", "yes")
    called = fact_of({"Event": "AgentCalled", "Queue": "hotline", "MemberName": "8001",
                      "Interface": "PJSIP/seat8001", "Uniqueid": "1.1", "Linkedid": "1.1",
                      "DestChannel": "PJSIP/seat8001-2", "Timestamp": "1796000002.0"})
    assert called is not None and (called.what, called.uniqueid, called.get("seat")) == (
        What.AGENT_CALLED, "1.1", "8001")
    assert fact_of({"Event": "PeerStatus", "Peer": "PJSIP/seat8001"}) is None
    assert seat_of_channel("PJSIP/trunk-0001") == "" and seat_of_channel("SIP/seat1-1") == ""
