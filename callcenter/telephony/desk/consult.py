"""Attended transfer (咨询转接): the citizen waits on hold while the agent talks with another
seat in the call's conference; then `complete` hands the citizen over, or `cancel` brings
them back to the agent."""

from __future__ import annotations

import asyncio

from callcenter.contract.dialplan import (
    CONTEXT_CONF_CITIZEN,
    CONTEXT_CONF_SEAT,
    CONTEXT_HOLD,
    Fact,
    conference_of,
)
from callcenter.domain import desk_calls as rules
from callcenter.domain.calls import party_leg_id
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.desk.line import JOINED, Line, LiveCall


async def consult(line: Line, live: LiveCall, request: DeskRequest) -> None:
    target = request.target.removeprefix("seat:")
    other = line.config.seat(target)
    if other is None or target == live.seat:
        return await line.write(request, RequestState.FAILED,
                                f"consult.seat: {target!r} is not another seat", live)
    if live.dialling or live.consulting or (live.conference and not live.seat_in):
        return await line.write(request, RequestState.FAILED, rules.ALREADY, live)
    if live.legs >= rules.MAX_PARTIES:
        return await line.write(request, RequestState.FAILED, rules.TOO_MANY, live)
    # The citizen on hold and the agent into the call's conference, at the same instant:
    # the agent too (even if there already), or leaving the citizen (the conference's
    # marked user) would end the conference for the agent.
    moved = live.conference
    live.dialling = live.conference = True
    try:
        line.fact(live, Fact.TRANSFER, Target=f"consult:{target}")
        reply = await line.ami.send(ami_actions.redirect(
            live.citizen, CONTEXT_HOLD, "s", extra_channel=live.seat_channel,
            extra_context=CONTEXT_CONF_SEAT, extra_exten=conference_of(live.linkedid)))
        if not reply.ok:
            live.conference = moved
            return await line.write(request, RequestState.FAILED,
                                    f"consult.move: {reply.response.get('Message', '')}", live)
        live.legs += 1
        uid = party_leg_id(live.linkedid, f"consult{live.legs}")
        waiting = line.expect(uid)
        ring = line.config.seat_ring_s
        try:
            sent = await line.ami.send(ami_actions.originate(
                other.interface, CONTEXT_CONF_SEAT, conference_of(live.linkedid),
                caller_id=f'"咨询 {live.seat}" <{live.seat}>', timeout_ms=ring * 1000,
                channel_id=uid))
            outcome = await asyncio.wait_for(waiting, ring + 10) if sent.ok else "refused"
        except TimeoutError:
            outcome = "timeout"
        finally:
            line.outcome.pop(uid, None)
        if outcome == JOINED:
            live.consulting = uid
            return await line.write(request, RequestState.DONE,
                                    f"consulting seat {target}: complete or cancel", live)
        await line.send_quietly(ami_actions.redirect(live.citizen, CONTEXT_CONF_CITIZEN,
                                                     conference_of(live.linkedid)))
        return await line.write(request, RequestState.FAILED,
                                f"consult.no_answer: seat {target} did not answer; the "
                                "citizen is back with the agent", live)
    finally:
        live.dialling = False


async def finish(line: Line, live: LiveCall, request: DeskRequest) -> None:
    """`complete` or `cancel` the consultation under way."""
    if not live.consulting:
        return await line.write(request, RequestState.FAILED,
                                f"{request.command}.no_consult: no consultation under way",
                                live)
    uid, live.consulting = live.consulting, ""
    # The citizen off hold, into the conference (with both seats for a moment).
    await line.ami.send(ami_actions.redirect(live.citizen, CONTEXT_CONF_CITIZEN,
                                             conference_of(live.linkedid)))
    if request.command == "cancel":
        channel = line.party_channel.get(uid)
        if channel:
            await line.send_quietly(ami_actions.hangup(channel))
        return await line.write(request, RequestState.DONE,
                                "cancelled: the citizen is back with the agent", live)
    # Complete: the first seat leaves; the consulted seat is the call's seat from now on.
    first, first_channel = live.seat, live.seat_channel
    await line.send_quietly(ami_actions.hangup(first_channel))
    if line.by_seat.get(first) is live:
        del line.by_seat[first]
    line.on_seat_left(first)
    live.units_in.discard(uid)
    channel = line.party_channel.get(uid, "")
    live.seat = next((s.id for s in line.config.seats
                      if channel.startswith(f"{s.interface}-")), live.seat)
    live.seat_channel, live.seat_in = channel, True
    line.by_seat[live.seat] = live
    await line.write(request, RequestState.DONE,
                     f"transferred: the citizen is with seat {live.seat}", live)
