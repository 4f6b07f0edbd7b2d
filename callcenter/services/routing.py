"""Use case: answer the dialplan's question "what now with this caller?" (over FastAGI).

The answer is a small fixed vocabulary (telephony.variables.AGI_SETTABLE); anything the
controller cannot decide in time leads the dialplan to its fallback, which still queues.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.telephony.variables import CC_ROUTE


@dataclass(frozen=True)
class RoutingPolicy:
    menu_enabled: bool

    def route(self) -> dict[str, str]:
        # After-hours and duty-phone routing join here in a later issue.
        return {CC_ROUTE: "menu" if self.menu_enabled else "queue"}
