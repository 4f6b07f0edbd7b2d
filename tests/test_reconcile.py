"""The reconciliation's rule on CEL lines as the sandbox writes them (dialplan/cel_custom.conf);
the faults' end-to-end tests run it against the real file."""

import pytest

from callcenter.domain.reconcile import CelError, read_cel, reconcile

# Two answered citizens' calls as the sandbox's Asterisk wrote them, the second with a seat's
# leg and a unit the controller dialled into it (a linked id of its own, begun in the inbound
# context of the trunk it came back on); then a third still ringing; then a callback the
# controller placed (not a citizen's).
CEL = '''"CHAN_START","100.1","100.0","100.0","hotline-inbound","12345"
"ANSWER","100.2","100.0","100.0","hotline-inbound","12345"
"CHAN_START","103.1","103.1","100.0","hotline-seats","s"
"CHAN_END","106.4","103.1","100.0","hotline-seats","s"
"CHAN_END","106.5","100.0","100.0","hotline-queue","s"
"LINKEDID_END","106.5","100.0","100.0","hotline-queue","s"
"CHAN_START","200.5","200.2","200.2","hotline-inbound","12345"
"CHAN_START","203.2","203.3","200.2","hotline-seats","s"
"CHAN_END","206.5","203.3","200.2","hotline-seats","s"
"CHAN_END","206.5","200.2","200.2","hotline-queue","s"
"LINKEDID_END","206.5","200.2","200.2","hotline-queue","s"
"CHAN_START","300.5","300.4","300.4","hotline-inbound","12345"
"CHAN_START","208.0","200.2-unit1","200.2-unit1","hotline-inbound","s"
"CHAN_END","209.0","200.2-unit1","200.2-unit1","hotline-conf-unit","s"
"LINKEDID_END","209.0","200.2-unit1","200.2-unit1","hotline-conf-unit","s"
"CHAN_START","400.5","400.5","400.5","hotline-callback","s"
"CHAN_END","410.5","400.5","400.5","hotline-callback","s"
"LINKEDID_END","410.5","400.5","400.5","hotline-callback","s"
'''


def test_every_finished_citizen_call_stored_once_is_ok():
    found = reconcile(read_cel(CEL), ["100.0", "200.2", "300.4", "400.5"])
    assert found.ok and found.citizen_calls == 2 and found.open == ("300.4",)


def test_a_citizen_call_not_stored_is_missing():
    found = reconcile(read_cel(CEL), ["100.0"])
    assert not found.ok and found.missing == ("200.2",)


def test_a_leg_stored_as_a_call_of_its_own_is_split():
    found = reconcile(read_cel(CEL), ["100.0", "200.2", "203.3"])
    assert not found.ok and found.split == ("203.3",) and found.unknown == ()


def test_a_unit_leg_stored_as_a_call_of_its_own_is_split():
    found = reconcile(read_cel(CEL), ["100.0", "200.2", "200.2-unit1"])
    assert not found.ok and found.split == ("200.2-unit1",)


def test_a_stored_call_asterisk_never_had_is_unknown():
    found = reconcile(read_cel(CEL), ["100.0", "200.2", "999.9"])
    assert not found.ok and found.unknown == ("999.9",)


def test_calls_before_the_window_are_not_counted():
    found = reconcile(read_cel(CEL), ["200.2"], since=150.0)
    assert found.ok and found.citizen_calls == 1


@pytest.mark.parametrize("text", ['"CHAN_START","100.1"\n', '"CHAN_START","x","1","1","c"\n'])
def test_a_file_of_another_shape_is_refused_with_its_line(text):
    with pytest.raises(CelError, match="line 1"):
        read_cel(text)
