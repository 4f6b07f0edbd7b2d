"""Shared setup of the work-order tests: rules context, people, a form, a settable clock."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from callcenter.bootstrap import Hotline
from callcenter.config import PROJECT_ROOT, Seat, load_settings
from callcenter.domain.policy import Urgency
from callcenter.domain.privacy import Role, UnitRole, Viewer
from callcenter.domain.registration import Channel, Gender, Registration
from callcenter.domain.replies import Kind, Reply
from callcenter.domain.tickets import RulesContext
from callcenter.domain.units import Unit
from callcenter.domain.workdays import WorkCalendar
from callcenter.services.rules import Rules, load_profiles, load_reply_rules
from callcenter.storage.uow import UnitsOfWork

TZ = ZoneInfo("Asia/Shanghai")
CTX = RulesContext(load_profiles(PROJECT_ROOT / "config" / "policies.toml")["shanghai-2022"],
                   WorkCalendar(), TZ, load_reply_rules(PROJECT_ROOT / "config" / "replies.toml"))
AGENT = Viewer(Role.AGENT, "agent-7")
OFFICE = Viewer(Role.SUPERVISOR, "office-1")
WUYE = Viewer(Role.UNIT, "li", unit="u-wuye")
WUYE_LEADER = Viewer(Role.UNIT, "zhou", unit="u-wuye", unit_role=UnitRole.LEADER)
WUYE_HEAD = Viewer(Role.UNIT, "wang", unit="u-wuye", unit_role=UnitRole.HEAD)
# A unit below 和谐物业 in the directory (its parent): its head gives parking's 2nd signature.
TEAM_HEAD = Viewer(Role.UNIT, "sun", unit="u-wuye-1", unit_role=UnitRole.HEAD)
STREET = Viewer(Role.UNIT, "wang", unit="u-street")
OTHER = Viewer(Role.UNIT, "zhao", unit="u-water")
FORM = Registration(kind=Kind.COMPLAINT, urgency=Urgency.GENERAL, channel=Channel.PHONE,
                    category="漏水", matter="楼上漏水到我家厨房", demand="尽快维修",
                    address="高新区梧桐街道翠竹社区3号楼2单元", reporter_name="张三",
                    reporter_gender=Gender.MALE, reporter_phone="13812345678",
                    home_address="翠竹社区5号楼101")
REPLY = Reply("true", "reasonable", "solved", "yes", "经现场查看，漏水已修复。", "已修复。")


UNITS = (Unit("u-wuye", "和谐物业"), Unit("u-street", "五爱街道"), Unit("u-water", "自来水公司"),
         Unit("u-wuye-1", "和谐物业一分部", parent="u-wuye"))


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, tzinfo=TZ)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def hotline_over(engine: Engine, rules: Rules = CTX, clock: Callable[[], datetime] | None = None,
                 seats: Sequence[str] = ()) -> Hotline:
    """The hotline as bootstrap builds it, over a test's store, with fixed rules, a test clock
    and these seats (the shipped settings otherwise)."""
    settings = load_settings(PROJECT_ROOT / "config" / "hotline.toml", root=PROJECT_ROOT)
    settings = settings.with_overrides(seats=tuple(Seat(s, s, 0) for s in seats))
    return Hotline(settings, engine, clock or Clock(), given_rules=rules)


def engine_of(store: object) -> Engine:
    """The engine behind a service's units of work (storage's UnitsOfWork), for a test that
    looks at the store itself."""
    assert isinstance(store, UnitsOfWork)
    return store.engine
