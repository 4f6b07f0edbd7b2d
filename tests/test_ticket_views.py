"""The ticket's JSON names every field of the forms it carries: a field added to a form in the
domain and not to its view would silently never reach the API or the console."""

from dataclasses import fields

import pytest

from callcenter.domain.replies import Callback, Reply
from callcenter.domain.tickets import DispatchProposal, ParkingForm, ReturnRequest
from callcenter.services import ticket_views as v


@pytest.mark.parametrize(("form", "view", "added"), [
    (DispatchProposal, v.ProposalView, set()),
    (ReturnRequest, v.ReturnRequestView, set()),
    (ParkingForm, v.ParkingView, set()),
    (Reply, v.ReplyView, set()),
    (Callback, v.CallbackRecordView, {"satisfied"}),
])
def test_each_view_has_exactly_its_forms_fields(form, view, added):
    assert set(view.__annotations__) == {f.name for f in fields(form)} | added
