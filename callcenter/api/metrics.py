"""The API process's /metrics (Prometheus text), for requests from loopback only: what the
store says of the line and the desk (as the wallboard reads it) and of the transcription
backlog, read when Prometheus scrapes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from callcenter.api.services import Api
from callcenter.domain.privacy import Role, Viewer

SYSTEM = Viewer(Role.SUPERVISOR, "system:metrics")  # who reads the wallboard for Prometheus


class _Store(Collector):
    def __init__(self, api: Api) -> None:
        self.api = api

    def collect(self) -> Iterator[GaugeMetricFamily]:
        board = self.api.wallboard.view(SYSTEM)
        line = GaugeMetricFamily("callcenter_line_citizens",
                                 "citizens on the line, as the controller last wrote it",
                                 labels=["phase"])
        line.add_metric(["ivr"], board["line"]["in_menu"])
        line.add_metric(["waiting"], board["line"]["waiting"])
        line.add_metric(["talking"], board["line"]["talking"])
        yield line
        yield GaugeMetricFamily("callcenter_longest_wait_seconds",
                                "the longest wait of a citizen in line now",
                                value=board["line"]["longest_wait_s"])
        agents = GaugeMetricFamily("callcenter_agents", "seats by state", labels=["state"])
        for state, n in sorted(board["agents"]["by_state"].items()):
            agents.add_metric([state], n)
        yield agents
        jobs = GaugeMetricFamily("callcenter_transcription_jobs",
                                 "transcription jobs by state", labels=["state"])
        for state, n in sorted(self.api.problems.counts().items()):
            jobs.add_metric([state], n)
        yield jobs


def add_metrics(app: web.Application, api: Api) -> None:
    registry = CollectorRegistry()
    registry.register(_Store(api))

    async def metrics(request: web.Request) -> web.Response:
        remote = request.remote or ""
        if not (remote.startswith("127.") or remote == "::1"):
            raise web.HTTPNotFound()  # the API may face a network; its figures do not
        body = await asyncio.to_thread(generate_latest, registry)
        return web.Response(body=body, content_type="text/plain", charset="utf-8")

    app.router.add_get("/metrics", metrics)
