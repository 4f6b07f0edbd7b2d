"""Three-way calls (三方通话): the citizen and the seat moved into the call's conference and
the unit's numbers dialled in turn; leaving the citizen and the unit talking."""

from __future__ import annotations

from callcenter.domain import desk_calls as rules
from callcenter.domain.desk_calls import DeskRequest, RequestState
from callcenter.telephony.ami import actions as ami_actions
from callcenter.telephony.desk.line import Line, LiveCall


async def conference(line: Line, live: LiveCall, request: DeskRequest) -> None:
    if live.dialling:
        return await line.write(request, RequestState.FAILED, rules.ALREADY, live)
    live.dialling = True
    try:
        if live.conference or await line.move(live, request, with_seat=True):
            await line.reach_unit(live, request, request.target)
    finally:
        live.dialling = False
        line.alone(live)


async def leave(line: Line, live: LiveCall, request: DeskRequest) -> None:
    """The agent's leg hung up; the citizen and the unit go on talking."""
    if not live.conference or not live.units_in:
        return await line.write(request, RequestState.FAILED, rules.NOT_IN_CONFERENCE, live)
    reply = await line.ami.send(ami_actions.hangup(live.seat_channel))
    if not reply.ok:
        return await line.write(request, RequestState.FAILED,
                                f"leave: {reply.response.get('Message', 'refused')}", live)
    await line.write(request, RequestState.DONE,
                     "left: the citizen and the unit stay connected", live)
