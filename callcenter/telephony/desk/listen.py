"""Listening in (监听, 耳语, 强插): the supervisor's phone rings and, answered, spies on the
seat's leg of the call: a leg of that call (<call>-spy<N>), audited from start to end."""

from __future__ import annotations

import asyncio

from callcenter.domain import desk_calls as rules
from callcenter.domain.calls import party_leg_id
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.desk.line import Line, LiveCall


async def listen(line: Line, live: LiveCall, request: DeskRequest) -> None:
    mode = request.target.partition(":")[2] or "listen"
    seat = line.config.seat(request.seat)
    if seat is None:
        return await line.write(request, RequestState.FAILED, "listen.seat: no such seat")
    if live.spies >= rules.MAX_PARTIES:
        return await line.write(request, RequestState.FAILED, rules.TOO_MANY, live)
    live.spies += 1
    uid = party_leg_id(live.linkedid, f"spy{live.spies}")
    reply = await line.ami.send(ami_actions.originate_app(
        seat.interface, "ChanSpy", f"{live.seat_channel},{rules.LISTEN_MODES[mode]}",
        caller_id=f'"{mode} {live.seat}" <{live.seat}>',
        timeout_ms=line.config.seat_ring_s * 1000, channel_id=uid))
    if not reply.ok:
        return await line.write(request, RequestState.FAILED,
                                f"listen: {reply.response.get('Message', 'refused')}", live)
    line.listening.add(uid)
    await asyncio.to_thread(line.requests.listen_started, request, live.linkedid, uid)
    await line.write(request, RequestState.DONE, f"{mode}: seat {live.seat}", live)
