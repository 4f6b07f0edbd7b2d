"""Blind transfer (即时转接): the seat is let go at once; a unit's phone, another seat, or the
queue takes the citizen. Nobody reached: the citizen goes back to the queue, ahead of those
waiting. The call stays one call, recorded throughout."""

from __future__ import annotations

from callcenter.contract.dialplan import CONTEXT_REQUEUE, CONTEXT_TRANSFER_SEAT, Fact
from callcenter.domain import desk_calls as rules
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.desk.line import Line, LiveCall


async def transfer(line: Line, live: LiveCall, request: DeskRequest) -> None:
    kind, _, target = request.target.partition(":")
    if live.dialling or live.conference:
        return await line.write(request, RequestState.FAILED, rules.ALREADY, live)
    line.fact(live, Fact.TRANSFER, Target=request.target)
    if kind == "unit":
        return await _to_unit(line, live, request, target)
    context, exten = (CONTEXT_TRANSFER_SEAT, target) if kind == "seat" \
        else (CONTEXT_REQUEUE, "s")
    if kind == "seat" and line.config.seat(target) is None:
        return await line.write(request, RequestState.FAILED,
                                f"transfer.seat: no seat {target!r}", live)
    reply = await line.ami.send(ami_actions.redirect(live.citizen, context, exten))
    if not reply.ok:
        return await line.write(request, RequestState.FAILED,
                                f"transfer: {reply.response.get('Message', 'refused')}", live)
    await line.write(request, RequestState.DONE, rules.transferred(request.target), live)


async def _to_unit(line: Line, live: LiveCall, request: DeskRequest, unit: str) -> None:
    live.dialling = True
    try:
        if await line.move(live, request, with_seat=False) and \
                not await line.reach_unit(live, request, unit) and \
                live.linkedid in line.by_call:
            live.conference = False  # not left alone: back in line
            await line.send_quietly(ami_actions.redirect(live.citizen, CONTEXT_REQUEUE, "s"))
    finally:
        live.dialling = False
        line.alone(live)
