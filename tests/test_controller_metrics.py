"""The controller's /metrics and /health (issue 21, operations): on the real sandbox a call
shows in the FastAGI and AMI figures; /health fails, naming why, while AMI is down."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestClient, TestServer
from call_support import finish, place_call, stored_calls

from callcenter.bootstrap import standalone_controller
from callcenter.controller_metrics import ControllerMetrics


def _controller() -> SimpleNamespace:
    """Only what the metrics read of a controller."""
    return SimpleNamespace(
        ami=SimpleNamespace(connected=SimpleNamespace(is_set=lambda: True)),
        agi=SimpleNamespace(rejected=0, observe=None, observe_decide=None),
        calls=SimpleNamespace(held=0, spooled=0, observe_write=None),
        call_log=SimpleNamespace(recording_root=Path("/"), min_free=0),
        config=SimpleNamespace(tz=None),
        line=SimpleNamespace(snapshot=lambda: {"ivr": 0, "talking": 0, "waiting": []}),
        observe_event=None)


def _value(text: str, name: str) -> float:
    line = next(ln for ln in text.splitlines() if ln.startswith(name + " ")
                or ln.startswith(name + "{"))
    return float(line.rsplit(" ", 1)[1])


@pytest.mark.asterisk
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_call_shows_in_the_figures_and_health_is_good(controller, seat_phones,
                                                               settings):
    async with TestClient(TestServer(ControllerMetrics(controller).app())) as client:
        call = place_call(settings, "13800138061", hold_ms=3000)
        await finish(call)
        await stored_calls(controller, 1)
        text = await (await client.get("/metrics")).text()
        assert _value(text, "callcenter_ami_connected") == 1.0
        assert _value(text, 'callcenter_fastagi_seconds_count{script="route"}') >= 1
        assert _value(text, 'callcenter_fastagi_decide_seconds_count{script="route"}') >= 1
        assert _value(text, "callcenter_ami_event_lag_seconds_count") > 10
        assert _value(text, "callcenter_store_write_seconds_count") >= 1
        assert _value(text, "callcenter_calls_spooled") == 0
        assert 'callcenter_line_citizens{phase="waiting"}' in text
        assert "13800138061" not in text  # figures, never a number
        r = await client.get("/health")
        assert r.status == 200 and await r.json() == {"ami": True, "store": True,
                                                  "recordings": True}


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_health_fails_while_ami_is_down(settings, store_url):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    c = standalone_controller(settings.with_overrides(store_url=store_url, ami_port=closed),
                              grace=1.0)
    metrics = ControllerMetrics(c)
    await c.start()
    try:
        async with TestClient(TestServer(metrics.app())) as client:
            await asyncio.sleep(0.2)
            r = await client.get("/health")
            assert r.status == 503 and await r.json() == {
                "ami": False, "store": True, "recordings": True}
            text = await (await client.get("/metrics")).text()
            assert _value(text, "callcenter_ami_connected") == 0.0
    finally:
        await c.stop()


def test_an_unknown_script_is_one_label_not_many():
    from prometheus_client import generate_latest

    stub = _controller()
    m = ControllerMetrics(stub)  # type: ignore[arg-type]
    for i in range(50):
        m.answered(f"attacker-{i}", 0.001)
    m.answered("route", 0.001)
    text = generate_latest(m.registry).decode()
    assert 'script="other"' in text and "attacker" not in text and 'script="route"' in text


def test_the_dashboard_and_the_alerts_ask_only_for_figures_we_export(service):
    import json
    import re

    import yaml
    from api_support import api_of
    from prometheus_client import generate_latest

    from callcenter.api.metrics import _Store
    from callcenter.config import PROJECT_ROOT
    from callcenter.worker_metrics import ReportsMetrics

    stub = _controller()
    metrics = ControllerMetrics(stub)  # type: ignore[arg-type]
    metrics.answered("route", 0.001)  # a labelled figure shows once it has a label
    metrics.decided("route", 0.0001)
    exported = generate_latest(metrics.registry).decode()
    exported += "".join(f"{m.name}\n" for m in _Store(api_of(service, {})).collect())
    reports = ReportsMetrics()
    reports.deliveries.labels("failed").inc()
    exported += generate_latest(reports.registry).decode()
    names = set(re.findall(r"^(callcenter_[a-z0-9_]+)", exported, re.M))
    folder = PROJECT_ROOT / "config" / "monitoring"
    dashboard = json.loads((folder / "grafana-dashboard.json").read_text(encoding="utf-8"))
    asked = {name for p in dashboard["panels"] for t in p["targets"]
             for name in re.findall(r"callcenter_[a-z0-9_]+", t["expr"])}
    assert asked and asked <= names, asked - names
    alerts = yaml.safe_load((folder / "alerts.yml").read_text(encoding="utf-8"))
    rules = [r for g in alerts["groups"] for r in g["rules"]]
    alerted = {name for r in rules for name in re.findall(r"callcenter_[a-z0-9_]+", r["expr"])}
    assert len(rules) >= 5 and alerted <= names, alerted - names
    assert "alerts.yml" in yaml.safe_load((folder / "prometheus.yml").read_text())["rule_files"]


def test_a_worker_serves_its_metrics_or_goes_on_without_them(caplog):
    import urllib.request

    from prometheus_client import CollectorRegistry, Counter

    from callcenter.worker_metrics import serve

    registry = CollectorRegistry()
    Counter("callcenter_probe", "a figure", registry=registry).inc()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert serve(registry, taken.getsockname()[1], "transcriber") is False
    assert "metrics not served" in caplog.text
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    assert serve(registry, free, "transcriber") is True
    with urllib.request.urlopen(f"http://127.0.0.1:{free}/metrics", timeout=5) as r:
        assert b"callcenter_probe_total 1.0" in r.read()
    assert serve(registry, 0, "transcriber") is False  # 0: not served


def test_the_reports_worker_counts_what_each_look_did():
    from callcenter.worker_metrics import ReportsMetrics

    m = ReportsMetrics()
    m.looked(["daily", "weekly"], rolled=24, delivered=2, failed=1)
    m.looked([], rolled=1, delivered=0, failed=1)
    figure = m.registry.get_sample_value
    assert figure("callcenter_reports_produced_total", {"kind": "daily"}) == 1.0
    assert figure("callcenter_hours_rolled_up_total") == 25.0
    assert figure("callcenter_report_deliveries_total", {"outcome": "failed"}) == 2.0
    assert figure("callcenter_report_deliveries_total", {"outcome": "done"}) == 2.0
    assert (figure("callcenter_reports_last_look_timestamp_seconds") or 0) > 1.7e9
