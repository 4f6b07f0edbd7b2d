"""The rule that answers the dialplan's question "what now with this caller?" (over FastAGI).

Pure. The answer is a small fixed vocabulary (contract/dialplan.AGI_SETTABLE); anything the
controller cannot decide in time leads the dialplan to its fallback, which still queues.
After hours (domain/duty.py decides) the answer is the night route and the duty phone's number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from callcenter.contract.dialplan import CC_DUTY_NUMBER, CC_ROUTE
from callcenter.domain.duty import Decision


@dataclass(frozen=True)
class RoutingPolicy:
    menu_enabled: bool
    duty: Callable[[], Decision] | None = None  # None: always day (no duty plan)

    def route(self) -> dict[str, str]:
        decision = self.duty() if self.duty is not None else None
        if decision is not None and decision.night and decision.duty is not None:
            return {CC_ROUTE: "night", CC_DUTY_NUMBER: decision.duty.phone}
        return {CC_ROUTE: "menu" if self.menu_enabled else "queue"}
