"""`callcenter live` as its own process: it listens, warms its recognisers on the line's own
prompts beside the streams, and on SIGTERM stops and exits cleanly; off, it says so in one
line."""

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import ports
from conftest import TEST_PROMPTS

LIVE_PORT = ports.BASE + 510  # the spare part of this worker's block


def _home(tmp_path, live: str):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "prompts.toml").write_text(TEST_PROMPTS, encoding="utf-8")
    (tmp_path / "config" / "hotline.toml").write_text(
        f'[store]\nurl = "sqlite:///calls.db"\n{live}', encoding="utf-8")
    return os.environ | {"CALLCENTER_HOME": str(tmp_path)}


def _live(tmp_path, env, **kw):
    return subprocess.Popen([sys.executable, "-m", "callcenter", "--config",
                             str(tmp_path / "config" / "hotline.toml"), "live"], env=env,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_the_live_recogniser_warms_its_recognisers_then_stops_on_sigterm(tmp_path):
    env = _home(tmp_path, f"[live]\nport = {LIVE_PORT}\nmax_streams = 4\nwarm = 2\n"
                          "metrics_port = 0\n")
    proc = _live(tmp_path, env)
    assert proc.stderr is not None
    said: queue.Queue[str] = queue.Queue()
    stderr = proc.stderr

    def read() -> None:
        for ln in stderr:
            said.put(ln)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while not any("warmed" in ln for ln in lines) and time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            lines.append(said.get(timeout=1.0))
    assert any(f"listening on 127.0.0.1:{LIVE_PORT}" in ln for ln in lines), lines
    assert any("2 recognisers warmed" in ln for ln in lines), lines
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    reader.join(10)
    proc.stderr.close()
    rest = "".join(lines) + "".join(said.queue)
    assert "stopping" in rest and "Traceback" not in rest, rest


def test_the_live_recogniser_off_says_so_in_one_line(tmp_path):
    env = _home(tmp_path, "")
    proc = _live(tmp_path, env)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 2
    assert err.strip() == "live assist is off: set [live] port in the configuration"
