"""A hostile caller ID on the real sandbox: a SIPp phone sends a name full of quotes, HTML,
shell metacharacters and length. The call is one record with the citizen's and the seat's legs
only; the recordings are named from the call's Uniqueid alone; the name reaches nothing a
person reads (the screen pop, the call's JSON) and stays an inert string in the raw trail."""

from __future__ import annotations

import re

import ports
import pytest
from call_support import finish, stored_calls, until
from tickets_support import CTX

from callcenter import simulate
from callcenter.domain.privacy import Role, Viewer
from callcenter.services.errors import NotFound
from callcenter.services.screen_pop import ScreenPop

pytestmark = pytest.mark.asterisk
HOSTILE = ('"><img src=x onerror=alert(1)>\'; rm -rf / $(id) `reboot` %s%n {{7*7}} '
           + "长" * 200)
OFFICE = Viewer(Role.SUPERVISOR, "banzhang")


def test_a_hostile_name_is_refused_where_a_phone_could_not_send_it():
    for name in ("a]]>b", "line\r\nX-Evil: 1"):
        with pytest.raises(simulate.SimulateError):
            simulate.citizen_scenario("13800138044", 1000, name=name)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_hostile_caller_name_stays_inert(controller, seat_phones, settings):
    call = simulate.call(settings.number, settings.sip_port, ports.CITIZENS[-1],
                         ports.media(199), "13800138044", 9000, name=HOSTILE, timeout_s=90)
    pop = ScreenPop(controller.call_log.uow, CTX, [s.id for s in settings.seats])
    shown = []

    def popped() -> bool:
        for seat in settings.seats:
            try:
                shown.append(pop.pop(seat.id, OFFICE))
                return True
            except NotFound:
                continue
        return False

    await until(popped, timeout=30)
    await finish(call)
    (row,) = await stored_calls(controller, 1)
    assert row.caller_number == "13800138044" and row.disposition == "answered"
    assert {leg.role for leg in row.legs} == {"citizen", "seat"}
    for rec in row.recordings:  # the path is the date and the call's id, nothing the caller sent
        assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/" + re.escape(row.linkedid)
                            + r"(-in|-out)?\.wav", rec.path), rec.path
    assert "img" not in str(shown) and "rm -rf" not in str(shown)
    assert shown[0]["number"] == "138****8044"
    # The trail keeps what Asterisk said, as text: the name whole, in one header.
    names = {e.get("CallerIDName", "") for e in controller.call_log.trail(row.linkedid)}
    assert any("onerror=alert(1)" in n for n in names)
