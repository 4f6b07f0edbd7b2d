"""The controller's /metrics (Prometheus text) and /health, served on loopback only.

- `callcenter_ami_connected`, `callcenter_ami_event_lag_seconds` (Asterisk's own timestamp of
  an event to the controller handling it);
- `callcenter_fastagi_seconds{script}` (the connection to the answer sent, Asterisk's replies
  included), `callcenter_fastagi_decide_seconds{script}` (the whole header to our first
  command: our own part) and `callcenter_fastagi_rejected` (clients dropped);
- `callcenter_calls_held`, `callcenter_line_citizens{phase}` (in the menu, waiting, talking);
- `callcenter_store_write_seconds` (a batch of calls committed) and `callcenter_calls_spooled`
  (batches the store refused, waiting on disk: above 0 the store is or was away);
- `callcenter_recordings_free_bytes`: room left on the recordings' disk;
- /health: 200 while AMI is logged in, the store takes a write (the wallboard's line state,
  an upsert of one row) and the recordings' disk has `[recordings] min_free_mb` left; 503
  naming what is wrong otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime

from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from callcenter.contract.dialplan import AGI_SCRIPTS
from callcenter.controller import Controller
from callcenter.telephony.ami.parse import Message

FAST = (0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1.0, 2.5)
LAG = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Line(Collector):
    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    def collect(self) -> Iterator[GaugeMetricFamily]:
        line = self.controller.line.snapshot()
        family = GaugeMetricFamily("callcenter_line_citizens", "citizens on the line now",
                                   labels=["phase"])
        family.add_metric(["ivr"], line["ivr"])
        family.add_metric(["waiting"], len(line["waiting"]))
        family.add_metric(["talking"], line["talking"])
        yield family


class ControllerMetrics:
    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self.registry = r = CollectorRegistry()
        Gauge("callcenter_ami_connected", "1 while logged in to AMI", registry=r).set_function(
            lambda: float(controller.ami.connected.is_set()))
        self.lag = Histogram("callcenter_ami_event_lag_seconds",
                             "Asterisk's timestamp of an event to its handling", buckets=LAG,
                             registry=r)
        self.fastagi = Histogram("callcenter_fastagi_seconds",
                                 "a FastAGI request: header read to answer sent",
                                 ["script"], buckets=FAST, registry=r)
        self.fastagi_decide = Histogram("callcenter_fastagi_decide_seconds",
                                        "a FastAGI request: header read to our first command",
                                        ["script"], buckets=FAST, registry=r)
        Gauge("callcenter_fastagi_rejected", "FastAGI clients dropped (bad or slow header)",
              registry=r).set_function(lambda: float(controller.agi.rejected))
        Gauge("callcenter_calls_held", "calls the controller follows now",
              registry=r).set_function(lambda: float(controller.calls.held))
        self.store_write = Histogram("callcenter_store_write_seconds",
                                     "a batch of finished calls committed to the store",
                                     buckets=LAG, registry=r)
        Gauge("callcenter_calls_spooled", "batches of calls on disk waiting for the store",
              registry=r).set_function(lambda: float(controller.calls.spooled))
        Gauge("callcenter_recordings_free_bytes", "room left on the recordings' disk",
              registry=r).set_function(lambda: float(self.recordings_free()))
        r.register(_Line(controller))
        controller.calls.observe_write = self.store_write.observe
        controller.observe_event = self.event
        controller.agi.observe = self.answered
        controller.agi.observe_decide = self.decided

    def event(self, msg: Message) -> None:
        stamp = msg.get("Timestamp")
        if stamp:
            with contextlib.suppress(ValueError):  # not a number: nothing to measure
                self.lag.observe(max(0.0, time.time() - float(stamp)))

    def answered(self, script: str, seconds: float) -> None:
        # A script name is the client's text: only ours become label values.
        self.fastagi.labels(script if script in AGI_SCRIPTS else "other").observe(seconds)

    def decided(self, script: str, seconds: float) -> None:
        self.fastagi_decide.labels(script if script in AGI_SCRIPTS else "other").observe(seconds)

    def recordings_free(self) -> int:
        """Room where today's recordings go (their day's folder once it exists: the folder
        Asterisk is writing to, whatever is mounted where)."""
        root = self.controller.call_log.recording_root
        today = root / f"{datetime.now(self.controller.config.tz):%Y/%m/%d}"
        try:
            return shutil.disk_usage(today if today.is_dir() else root).free
        except OSError:
            return 0

    async def health(self) -> tuple[bool, dict[str, object]]:
        ami = self.controller.ami.connected.is_set()
        free = self.recordings_free()
        recordings: object = True if free >= self.controller.call_log.min_free else \
            f"disk full: {free >> 20} MB free"
        try:
            await asyncio.wait_for(asyncio.to_thread(
                self.controller.board.record_line, self.controller.line.snapshot()), 5)
            store: object = True
        except Exception as exc:  # what failed, by kind: the store's own text may hold data
            store = f"unwritable: {type(exc).__name__}"
        return ami and store is True and recordings is True, {
            "ami": ami, "store": store, "recordings": recordings}

    def app(self) -> web.Application:
        async def metrics(request: web.Request) -> web.Response:
            return web.Response(body=generate_latest(self.registry),
                                content_type="text/plain", charset="utf-8")

        async def health(request: web.Request) -> web.Response:
            ok, detail = await self.health()
            return web.Response(status=200 if ok else 503, text=json.dumps(detail),
                                content_type="application/json")

        app = web.Application()
        app.router.add_get("/metrics", metrics)
        app.router.add_get("/health", health)
        return app
