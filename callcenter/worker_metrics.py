"""/metrics (Prometheus text) of the worker processes that have no web server of their own,
served on loopback from a thread: the transcriber's jobs by outcome, how long each took, and
the audio it has transcribed; the reports worker's reports produced, hours rolled up,
deliveries done and failed, and when it last looked. A second worker on the same machine
finds the port taken and goes on without metrics (one warning), never without work."""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from callcenter.domain.live_assist import LiveLine
from callcenter.services.transcriber import Transcriber
from callcenter.telephony.live_listener import LiveListener

log = logging.getLogger(__name__)
JOB = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)


def serve(registry: CollectorRegistry, port: int, what: str) -> bool:
    """Serve `registry` on 127.0.0.1:port; False (and a warning) if it cannot be."""
    if not port:
        return False
    try:
        start_http_server(port, addr="127.0.0.1", registry=registry)
    except OSError as exc:
        log.warning("%s: metrics not served on 127.0.0.1:%d: %s", what, port,
                    exc.strerror or type(exc).__name__)
        return False
    return True


class TranscriberMetrics:
    def __init__(self, transcriber: Transcriber) -> None:
        self.registry = r = CollectorRegistry()
        self.jobs = Counter("callcenter_transcriptions", "recordings handled, by outcome",
                            ["outcome"], registry=r)
        self.seconds = Histogram("callcenter_transcription_seconds",
                                 "a recording: claimed to its outcome", buckets=JOB, registry=r)
        Gauge("callcenter_transcribed_audio_seconds",
              "audio transcribed by this process since it started",
              registry=r).set_function(lambda: transcriber.audio_s)
        transcriber.observe = self.handled

    def handled(self, outcome: str, seconds: float) -> None:
        self.jobs.labels(outcome).inc()
        self.seconds.observe(seconds)


class ReportsMetrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.produced = Counter("callcenter_reports_produced", "report versions stored",
                                ["kind"], registry=r)
        self.rolled = Counter("callcenter_hours_rolled_up", "hours of calls rolled up",
                              registry=r)
        self.deliveries = Counter("callcenter_report_deliveries", "delivery attempts",
                                  ["outcome"], registry=r)
        self.last = Gauge("callcenter_reports_last_look_timestamp_seconds",
                          "when the worker last looked (stale: it is stuck or down)",
                          registry=r)

    def looked(self, kinds: list[str], rolled: int, delivered: int, failed: int) -> None:
        for kind in kinds:
            self.produced.labels(kind).inc()
        self.rolled.inc(rolled)
        self.deliveries.labels("done").inc(delivered)
        self.deliveries.labels("failed").inc(failed)
        self.last.set_to_current_time()


class LiveMetrics:
    def __init__(self, listener: LiveListener) -> None:
        self.registry = r = CollectorRegistry()
        Gauge("callcenter_live_streams", "speakers being heard now",
              registry=r).set_function(lambda: len(listener.live))
        self.heard = Counter("callcenter_live_utterances", "words sent to the desk, partial "
                             "or final", ["final"], registry=r)
        Gauge("callcenter_live_dropped_connections", "AudioSocket connections refused or "
              "broken", registry=r).set_function(lambda: listener.server.dropped)
        Gauge("callcenter_live_refused_streams", "streams turned away at max_streams",
              registry=r).set_function(lambda: listener.refused)
        listener.observe_heard = self.observed

    def observed(self, line: LiveLine) -> None:
        self.heard.labels("yes" if line.final else "no").inc()
