"""Typed settings, loaded once from config/hotline.toml, then overridden by the environment.

Nothing here connects or reads at import time: `load_settings()` is called by the composition
root (bootstrap / cli) only.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo

from callcenter import secret_files
from callcenter.contract.dialplan import SYSTEMNAME

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the setting."""


@dataclass(frozen=True)
class SkillQueue:
    """A queue for one kind of matter (供暖, 物业 …): menu keys lead to it, and a citizen no
    seat of it answers within `overflow_after` seconds goes to the general queue."""

    name: str
    choices: tuple[str, ...] = ()
    overflow_after: int = 30


@dataclass(frozen=True)
class Seat:
    id: str
    name: str
    sandbox_port: int
    # Queue -> penalty (0 first): the queues this seat answers. Empty: the general queue only.
    skills: tuple[tuple[str, int], ...] = ()

    def penalties(self, general: str) -> dict[str, int]:
        return dict(self.skills) if self.skills else {general: 0}

    @property
    def endpoint(self) -> str:
        return f"seat{self.id}"

    @property
    def interface(self) -> str:
        return f"PJSIP/{self.endpoint}"


@dataclass(frozen=True)
class Settings:
    project_root: Path
    number: str = "12345"
    timezone: str = "Asia/Shanghai"
    language: str = "zh"
    profile: str = "sandbox"
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "callcenter"
    # This Asterisk's name where several run behind one proxy (asterisk.conf systemname): it
    # prefixes every call id, so two never give the same one. Empty: one Asterisk.
    asterisk_systemname: str = ""
    # The other Asterisks behind the same proxy, whose AMI this controller follows too:
    # "pbx2=127.0.0.1:5039,pbx3=127.0.0.1:5040" (each name its systemname; same AMI user).
    asterisk_peers: str = ""
    ami_secret_file: Path = Path("var/ami.secret")
    # Who may log in to AMI (manager.conf permit); beyond loopback only with a reason below.
    ami_permit: str = "127.0.0.1/32"
    seat_secrets_file: Path = Path("var/seat-secrets.toml")
    sip_port: int = 5060
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    agi_timeout_ms: int = 3000
    rtp_start: int = 10000
    rtp_end: int = 10999
    # AMI and FastAGI (which has no authentication) listen beyond loopback only when these
    # say why (e.g. "Asterisk runs on pbx-1; firewall allows only 10.0.0.5").
    ami_beyond_loopback: str = ""
    agi_beyond_loopback: str = ""
    queue_name: str = "hotline"
    queue_strategy: str = "rrmemory"
    queue_ring_timeout: int = 15
    queue_retry: int = 2
    queue_max_wait: int = 300
    queue_wrapup: int = 5
    queue_emergency_every: int = 30  # seconds between emergency advices in the queue; 0: never
    queue_announce_every: int = 30   # seconds between position and wait announcements; 0: never
    queue_auto_pause_after: int = 3  # rings in a row unanswered at a seat pause it; 0: never
    trunk_sandbox_port: int = 5070
    # Calls the controller places (units into three-way calls, the duty phone, callbacks) go
    # out through this PJSIP endpoint: the sandbox renders it towards a SIPp "PSTN" on
    # 127.0.0.1:trunk_sandbox_out_port; in production the operator's trunk has this name.
    trunk_outbound: str = "pstn"
    trunk_sandbox_out_port: int = 5079
    conference_ring_timeout: int = 20  # seconds a unit's number rings before its next one
    duty_file: Path = Path("config/duty.toml")  # after-hours schedule and roster
    duty_ring_timeout: int = 25   # seconds the duty phone rings before a message may be left
    duty_message_max: int = 120   # the longest after-hours message, seconds
    duty_pins_file: Path = Path("var/duty-pins.toml")  # supervisors' PINs for *88 (hashed)
    callback_within_minutes: int = 30  # policy: missed calls are called back within this
    callback_auto: bool = False        # the controller gives due missed calls to ready seats
    seats: tuple[Seat, ...] = ()
    skill_queues: tuple[SkillQueue, ...] = ()
    menu_enabled: bool = False
    menu_timeout: int = 5
    prompt_rate: int = 200  # espeak-ng words per minute for the generated prompts
    recording_root: Path = Path("recordings")
    # Below this much room the recordings' disk is full: the controller's /health fails and a
    # recording cut short is stored as cut, not as good.
    recordings_min_free_mb: int = 100
    asterisk_recording_root: str = "/var/spool/asterisk/hotline-rec"
    store_url: str = "sqlite:///var/callcenter.db"
    sandbox_cache_dir: Path = Path("/var/cache/callcenter")
    sandbox_state_dir: Path = Path("/var/lib/callcenter/sandbox")
    prompts: dict[str, str] = field(default_factory=dict)
    policy: str = "shanghai-2022"
    policies_file: Path = Path("config/policies.toml")
    workdays_file: Path = Path("config/workdays.toml")
    replies_file: Path = Path("config/replies.toml")  # reply word lists (domain/replies.py)
    units_file: Path = Path("config/units.toml")
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    api_tokens_file: Path = Path("var/api-tokens.toml")
    api_beyond_loopback: str = ""  # the API beyond loopback: why (behind which TLS proxy)
    # The controller's /metrics (Prometheus) and /health, on loopback only; 0: not served.
    controller_metrics_port: int = 9461
    # Calls the store refused (down, full) wait here, on the controller's disk, until it takes
    # them; keep it off the recordings' disk, which can fill up.
    controller_spool_dir: Path = Path("var/spool")
    # The controller's event loop runs round-robin real-time at this priority (0: normal
    # scheduling): every caller waits on its FastAGI answer, which waited for a core behind
    # Asterisk's media threads (docs/benchmarks.md). Below 10, where `asterisk -p` runs.
    controller_realtime: int = 1
    transcriber_metrics_port: int = 9462  # a transcriber worker's /metrics; 0: not served
    reports_metrics_port: int = 9463  # the reports worker's /metrics; 0: not served
    speech_model: Path | None = None  # a Vosk model directory; else found (speech/model.py)
    topics_file: Path = Path("config/topics.toml")  # hot-topic keywords (domain/topics.py)
    # The batch transcriber may skip the silence between spans of speech (speech/vad.py):
    # "webrtc" or "energy". Off by default: on the test model it saved 15-20 % of the time
    # and changed the words (docs/benchmarks.md); measure it with your model first.
    speech_skip_silence: str = "off"
    # Live assist (实时辅助): the words of calls under way on the desk. 0: off. The live
    # recogniser (`callcenter live`) listens on host:port for Asterisk's AudioSocket streams;
    # the controller spies the chosen speakers of each answered call into it.
    live_port: int = 0
    live_host: str = "127.0.0.1"
    live_speakers: str = "citizen"  # "citizen" or "citizen,agent"
    live_workers: int = 2  # decoding threads (one Vosk model shared)
    # Streams heard at once; more are refused (their calls go on without live words) rather
    # than making every desk's words late. 20 held on two cores with the search below
    # (benchmarks.md: 0.04 core per stream once its recognisers are warm).
    live_max_streams: int = 20
    # The acoustic model's chunk, in output frames (30 ms each with the usual subsampling):
    # smaller shows words sooner for more CPU (speech/decode.load_model; Kaldi's default 20).
    live_frames_per_chunk: int = 10
    # The live search, narrower than the models' own (beam 10-13, max-active 3000-7000):
    # words on time rather than the last of accuracy; the recording's transcript is decoded
    # with the model's own search and stays the record. Measured in benchmarks.md.
    live_beam: float = 8.0
    live_max_active: int = 1000
    # Recognisers warmed on the prompts when `callcenter live` starts (about 1 core-second and
    # 32 MB each with the test model): as many as streams are expected to talk at once.
    live_warm: int = 20
    live_metrics_port: int = 9464  # the live recogniser's /metrics; 0: not served
    # Reports (日综述 16:00, weekly, monthly; domain/report_periods.py, domain/emerging.py)
    reports_weekly_day: int = 0       # 0 Monday .. 6 Sunday: the weekly report's day
    reports_monthly_day: int = 1      # 1..5: the monthly report's day of the next month
    reports_catch_up: int = 7         # periods of each kind looked back on at start-up
    reports_language: str = "zh"      # zh | en: labels of HTML, PDF and XLSX
    reports_rising_min: int = 5       # a topic or place is flagged from this count on ...
    reports_rising_factor: float = 2.0  # ... at this many times the period before
    reports_cluster_size: int = 5     # tickets of one category in one community in 24 h
    reports_mail_to: str = ""         # comma-separated addresses; empty: no mail
    reports_mail_from: str = "hotline-reports@localhost"
    reports_smtp_host: str = "127.0.0.1"
    reports_smtp_port: int = 25
    reports_webhook: str = ""         # an HTTP(S) URL the report is POSTed to; empty: none
    reports_deliver_format: str = "pdf"  # the file attached or posted: pdf | xlsx | html | json
    reports_dictionary: Path = Path("config/hotline_words.txt")  # phrases kept whole

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ami_secret(self) -> str:
        """The AMI secret: environment first, then the secret file; created on first use."""
        env = os.environ.get("CALLCENTER_AMI_SECRET")
        if env:
            try:
                return secret_files.check(env, "CALLCENTER_AMI_SECRET")
            except secret_files.SecretError as exc:
                raise ConfigError(str(exc)) from exc
        try:
            return secret_files.ami_secret(self.ami_secret_file)
        except secret_files.SecretError as exc:
            raise ConfigError(str(exc)) from exc

    def ami_peers(self) -> list[tuple[str, str, int]]:
        """(systemname, host, port) of each other Asterisk (validated by config)."""
        out = []
        for entry in filter(None, (e.strip() for e in self.asterisk_peers.split(","))):
            name, _, address = entry.partition("=")
            host, _, port = address.rpartition(":")
            out.append((name, host, int(port) if port.isdigit() else 0))
        return out

    def seat_secrets(self) -> dict[str, str]:
        try:
            return secret_files.load_seat_secrets(self.seat_secrets_file)
        except secret_files.SecretError as exc:
            raise ConfigError(str(exc)) from exc

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table")
    return value


def _resolve(root: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else root / path


# Where each setting lives in config/hotline.toml. Its default is the dataclass field's above,
# written nowhere else; paths are taken relative to the project folder.
_FILE: dict[str, tuple[str, str]] = {
    "number": ("hotline", "number"), "timezone": ("hotline", "timezone"),
    "language": ("hotline", "language"),
    **{name: ("asterisk", name) for name in (
        "profile", "ami_host", "ami_port", "ami_user", "ami_permit", "ami_secret_file",
        "seat_secrets_file", "sip_port", "agi_host", "agi_port", "agi_timeout_ms",
        "rtp_start", "rtp_end", "ami_beyond_loopback", "agi_beyond_loopback")},
    "asterisk_systemname": ("asterisk", "systemname"),
    "asterisk_peers": ("asterisk", "peers"),
    **{f"queue_{key}": ("queue", key) for key in (
        "strategy", "ring_timeout", "retry", "max_wait", "wrapup", "emergency_every",
        "announce_every", "auto_pause_after")},
    "queue_name": ("queue", "name"),
    "trunk_sandbox_port": ("trunk", "sandbox_port"),
    "trunk_outbound": ("trunk", "outbound"),
    "trunk_sandbox_out_port": ("trunk", "sandbox_out_port"),
    "conference_ring_timeout": ("conference", "ring_timeout"),
    "duty_file": ("duty", "file"), "duty_ring_timeout": ("duty", "ring_timeout"),
    "duty_message_max": ("duty", "message_max"), "duty_pins_file": ("duty", "pins_file"),
    "callback_within_minutes": ("callbacks", "within_minutes"),
    "callback_auto": ("callbacks", "auto"),
    "menu_enabled": ("ivr", "menu_enabled"), "menu_timeout": ("ivr", "menu_timeout"),
    "prompt_rate": ("ivr", "prompt_rate"),
    "recording_root": ("recordings", "root"),
    "recordings_min_free_mb": ("recordings", "min_free_mb"),
    "asterisk_recording_root": ("recordings", "asterisk_root"),
    "store_url": ("store", "url"),
    "sandbox_cache_dir": ("sandbox", "cache_dir"), "sandbox_state_dir": ("sandbox", "state_dir"),
    **{name: ("tickets", name) for name in (
        "policy", "policies_file", "workdays_file", "replies_file", "units_file")},
    "api_host": ("api", "host"), "api_port": ("api", "port"),
    "controller_metrics_port": ("controller", "metrics_port"),
    "controller_spool_dir": ("controller", "spool_dir"),
    "controller_realtime": ("controller", "realtime"),
    "transcriber_metrics_port": ("speech", "metrics_port"),
    "reports_metrics_port": ("reports", "metrics_port"),
    "api_tokens_file": ("api", "tokens_file"),
    "api_beyond_loopback": ("api", "beyond_loopback"),
    "speech_model": ("speech", "model"), "topics_file": ("speech", "topics_file"),
    "speech_skip_silence": ("speech", "skip_silence"),
    **{f"live_{key}": ("live", key) for key in (
        "port", "host", "speakers", "workers", "max_streams", "frames_per_chunk", "beam",
        "max_active", "warm", "metrics_port")},
    **{f"reports_{key}": ("reports", key) for key in (
        "weekly_day", "monthly_day", "catch_up", "language", "rising_min", "rising_factor",
        "cluster_size", "mail_to", "mail_from", "smtp_host", "smtp_port", "webhook",
        "deliver_format", "dictionary")},
}


def file_defaults() -> dict[tuple[str, str], Any]:
    """Each setting of the file, by (section, key), with its default as the file writes it
    (paths as text); a setting without a default (None) is left out."""
    out: dict[tuple[str, str], Any] = {}
    for f in fields(Settings):
        if f.name in _FILE and f.default is not None:
            out[_FILE[f.name]] = str(f.default) if isinstance(f.default, Path) else f.default
    return out


# The environment, read here and nowhere else (the AMI secret: Settings.ami_secret).
_ENV: dict[str, str] = {
    "CALLCENTER_DB_URL": "store_url",
    "CALLCENTER_AMI_PORT": "ami_port",
    "CALLCENTER_AGI_PORT": "agi_port",
    "CALLCENTER_SIP_PORT": "sip_port",
    "CALLCENTER_RECORDINGS": "recording_root",
    "CALLCENTER_SANDBOX_CACHE": "sandbox_cache_dir",
    "CALLCENTER_STATE_DIR": "sandbox_state_dir",
    "CALLCENTER_TOPICS": "topics_file",
    "CALLCENTER_VOSK_MODEL": "speech_model",
}


def _convert(root: Path, name: str, kind: Any, raw: Any) -> Any:
    if kind in (Path, Path | None):
        return _resolve(root, str(raw))
    if kind is bool:
        if not isinstance(raw, bool):
            raise ConfigError(f"{name} must be true or false, got {raw!r}")
        return raw
    if kind is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ConfigError(f"{name} must be a number, got {raw!r}")
        return float(raw)
    if kind is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{name} must be a whole number, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc
    return str(raw)


def home(root: Path | None = None) -> Path:
    return root or Path(os.environ.get("CALLCENTER_HOME", PROJECT_ROOT))


def config_file(path: Path | None = None, root: Path | None = None) -> Path:
    """The configuration file a process reads: the one named, $CALLCENTER_CONFIG, or the
    home's config/hotline.toml."""
    return path or Path(os.environ.get("CALLCENTER_CONFIG",
                                       home(root) / "config" / "hotline.toml"))


def load_settings(path: Path | None = None, root: Path | None = None) -> Settings:
    root = home(root)
    path = config_file(path, root)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    prompts_path = path.parent / "prompts.toml"
    prompts: dict[str, str] = {}
    if prompts_path.exists():
        prompts = dict(_section(tomllib.loads(prompts_path.read_text("utf-8")), "prompts"))
    known: dict[str, set[str]] = {"seats": set(), "skill_queues": set()}
    for section, key in _FILE.values():
        known.setdefault(section, set()).add(key)
    for section in data:
        if section not in known:
            raise ConfigError(f"{path}: unknown section [{section}] (known: "
                              f"{', '.join(sorted(known))})")
        unknown = sorted(set(_section(data, section)) - known[section]) \
            if section not in ("seats", "skill_queues") else []
        if unknown:
            raise ConfigError(f"{path}: unknown setting {section}.{unknown[0]}")
    kinds = get_type_hints(Settings)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in _FILE:
            section, key = _FILE[f.name]
            raw = _section(data, section).get(key)
            if raw is not None:
                values[f.name] = _convert(root, f"{section}.{key}", kinds[f.name], raw)
            elif isinstance(f.default, Path):
                values[f.name] = _resolve(root, str(f.default))
    for var, name in _ENV.items():
        if os.environ.get(var):
            values[name] = _convert(root, var, kinds[name], os.environ[var])
    seats = tuple(_seat(i, s) for i, s in enumerate(data.get("seats", [])))
    skills = tuple(_skill_queue(i, q) for i, q in enumerate(data.get("skill_queues", [])))
    settings = Settings(project_root=root, seats=seats, skill_queues=skills, prompts=prompts,
                        **values)
    settings = replace(settings, store_url=_anchor_sqlite(root, settings.store_url))
    try:
        validate(settings)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return settings


def _anchor_sqlite(root: Path, url: str) -> str:
    """sqlite:///var/x.db means var/x.db under the project, not under whatever directory the
    command happens to run in."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str(root / url.removeprefix(prefix))
    return url


def _seat(index: int, raw: Any) -> Seat:
    if not isinstance(raw, dict):
        raise ConfigError(f"seats[{index}] must be a table")
    unknown = sorted(set(raw) - {"id", "name", "sandbox_port", "skills"})
    if unknown:
        raise ConfigError(f"seats[{index}]: unknown setting {unknown[0]}")
    skills = raw.get("skills", {})
    if not isinstance(skills, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10
            for v in skills.values()):
        raise ConfigError(f"seats[{index}].skills must map queue names to penalties 0-10")
    try:
        return Seat(str(raw["id"]), str(raw.get("name", raw["id"])),
                    int(raw.get("sandbox_port", 0)),
                    tuple(sorted((str(k), int(v)) for k, v in skills.items())))
    except KeyError as exc:
        raise ConfigError(f"seats[{index}]: missing {exc}") from exc


def _skill_queue(index: int, raw: Any) -> SkillQueue:
    if not isinstance(raw, dict) or "name" not in raw:
        raise ConfigError(f"skill_queues[{index}] must be a table with a name")
    unknown = sorted(set(raw) - {"name", "choices", "overflow_after"})
    if unknown:
        raise ConfigError(f"skill_queues[{index}]: unknown setting {unknown[0]}")
    choices = raw.get("choices", [])
    if not isinstance(choices, list):
        raise ConfigError(f"skill_queues[{index}].choices must be a list of menu keys")
    return SkillQueue(str(raw["name"]), tuple(str(c) for c in choices),
                      _convert(Path("."), f"skill_queues[{index}].overflow_after", int,
                               raw.get("overflow_after", 30)))


def _check_live(s: Settings) -> None:
    if s.speech_skip_silence not in ("webrtc", "energy", "off"):
        raise ConfigError("speech.skip_silence must be webrtc, energy or off, got "
                          f"{s.speech_skip_silence!r}")
    if not 0 <= s.live_port <= 65535:
        raise ConfigError(f"live.port must be 0 (off) or a port, got {s.live_port}")
    if not re.fullmatch(r"[0-9.]{7,15}|localhost", s.live_host):
        raise ConfigError(f"live.host must be an IPv4 address, got {s.live_host!r}")
    speakers = s.live_speakers.split(",")
    if not speakers or any(x not in ("citizen", "agent") for x in speakers) \
            or len(set(speakers)) != len(speakers):
        raise ConfigError("live.speakers must be \"citizen\" or \"citizen,agent\", got "
                          f"{s.live_speakers!r}")
    if not 1 <= s.live_workers <= 64:
        raise ConfigError(f"live.workers must be 1-64, got {s.live_workers}")
    if not 1 <= s.live_max_streams <= 1000:
        raise ConfigError(f"live.max_streams must be 1-1000, got {s.live_max_streams}")
    if not 1 <= s.live_frames_per_chunk <= 50:  # Kaldi aborts the process on 0
        raise ConfigError(f"live.frames_per_chunk must be 1-50, got {s.live_frames_per_chunk}")
    if not 4.0 <= s.live_beam <= 30.0:
        raise ConfigError(f"live.beam must be 4-30, got {s.live_beam:g}")
    if not 200 <= s.live_max_active <= 20000:  # Kaldi aborts below the models' min-active
        raise ConfigError(f"live.max_active must be 200-20000, got {s.live_max_active}")
    if not 0 <= s.live_warm <= min(s.live_max_streams, 200):
        raise ConfigError(f"live.warm must be 0 to max_streams (at most 200), got {s.live_warm}")


def validate(s: Settings) -> None:
    """Everything that ends up in Asterisk's configuration is checked here, once."""
    if not re.fullmatch(r"[0-9]{3,20}", s.number):
        raise ConfigError(f"hotline.number must be 3-20 digits, got {s.number!r}")
    if s.profile not in ("sandbox", "production"):
        raise ConfigError(f"asterisk.profile must be sandbox or production, got {s.profile!r}")
    if s.asterisk_systemname and not SYSTEMNAME.fullmatch(s.asterisk_systemname):
        raise ConfigError("asterisk.systemname: a lowercase letter, then up to 15 lowercase "
                          f"letters or digits, got {s.asterisk_systemname!r}")
    _check_peers(s)
    _check_live(s)
    if not 0 <= s.controller_realtime <= 9:
        raise ConfigError("controller.realtime must be 0 (off) to 9, below the 10 of an Asterisk "
                          f"started with -p; got {s.controller_realtime}")
    for name in ("ami_user", "queue_name", "trunk_outbound"):
        if not _SAFE_ID.match(getattr(s, name)):
            raise ConfigError(f"{name} must match [A-Za-z0-9_-]{{1,32}}")
    names = [s.queue_name, *(q.name for q in s.skill_queues)]
    for name in names:
        if not _SAFE_ID.match(name):
            raise ConfigError(f"queue name {name!r} must match [A-Za-z0-9_-]{{1,32}}")
    if len(set(names)) != len(names):
        raise ConfigError("a skill queue may not repeat another queue's name")
    keys = [c for q in s.skill_queues for c in q.choices]
    if len(set(keys)) != len(keys) or not set(keys) <= set("1234"):
        raise ConfigError("skill_queues.choices: menu keys 1-4, each for one queue")
    for q in s.skill_queues:
        if not 3 <= q.overflow_after <= 600:
            raise ConfigError(f"skill queue {q.name}: overflow_after must be 3-600 seconds")
    for seat in s.seats:
        for queue, _ in seat.skills:
            if queue not in names:
                raise ConfigError(f"seat {seat.id}: skill {queue!r} is not a queue")
    if s.queue_strategy not in (
        "ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom",
    ):
        raise ConfigError(f"queue.strategy {s.queue_strategy!r} is not an app_queue strategy")
    seen: set[str] = set()
    for seat in s.seats:
        if not re.fullmatch(r"[0-9]{2,8}", seat.id):
            raise ConfigError(f"seat id must be 2-8 digits, got {seat.id!r}")
        if seat.id in seen:
            raise ConfigError(f"seat id {seat.id} appears twice")
        seen.add(seat.id)
        if any(c in seat.name for c in "\r\n;[]"):
            raise ConfigError(f"seat {seat.id}: name may not contain newlines, ';' or brackets")
    if not s.asterisk_recording_root.startswith("/") or any(
        c in s.asterisk_recording_root for c in "\r\n,()${}"
    ):
        raise ConfigError("recordings.asterisk_root must be an absolute path without , ( ) $ { }")
    try:
        ZoneInfo(s.timezone)
    except Exception as exc:
        raise ConfigError(f"hotline.timezone {s.timezone!r} is not a known time zone") from exc
    if not 80 <= s.prompt_rate <= 450:
        raise ConfigError(f"ivr.prompt_rate must be 80-450 words per minute, got {s.prompt_rate}")
    if not 0 <= s.queue_auto_pause_after <= 100:
        raise ConfigError(f"queue.auto_pause_after must be 0-100, got {s.queue_auto_pause_after}")
    for key in ("emergency_every", "announce_every"):
        value = getattr(s, f"queue_{key}")
        if not 0 <= value <= 3600:
            raise ConfigError(f"queue.{key} must be 0-3600 seconds, got {value}")
    if not 5 <= s.duty_ring_timeout <= 120 or not 10 <= s.duty_message_max <= 600:
        raise ConfigError("duty.ring_timeout must be 5-120 s and duty.message_max 10-600 s")
    if not 5 <= s.conference_ring_timeout <= 120:
        raise ConfigError("conference.ring_timeout must be 5-120 seconds, got "
                          f"{s.conference_ring_timeout}")
    _check_reports(s)
    _check_listeners(s)


def _check_reports(s: Settings) -> None:
    if not 0 <= s.reports_weekly_day <= 6 or not 1 <= s.reports_monthly_day <= 5:
        raise ConfigError("reports.weekly_day must be 0 (Monday)-6 and reports.monthly_day 1-5 "
                          "(the monthly report is due by the 5th)")
    if not 1 <= s.reports_catch_up <= 62:
        raise ConfigError("reports.catch_up must be 1-62 periods")
    if s.reports_language not in ("zh", "en"):
        raise ConfigError("reports.language must be zh or en")
    if s.reports_rising_min < 1 or s.reports_rising_factor <= 1 or s.reports_cluster_size < 2:
        raise ConfigError("reports: rising_min >= 1, rising_factor > 1, cluster_size >= 2")
    if s.reports_deliver_format not in ("pdf", "xlsx", "html", "json"):
        raise ConfigError("reports.deliver_format must be pdf, xlsx, html or json")
    if s.reports_webhook and not re.fullmatch(r"https?://[^\s]+", s.reports_webhook):
        raise ConfigError("reports.webhook must be an http(s) URL")
    for address in filter(None, (a.strip() for a in s.reports_mail_to.split(","))):
        if not re.fullmatch(r"[^@\s,<>]+@[^@\s,<>]+", address):
            raise ConfigError(f"reports.mail_to: {address!r} is not a mail address")
    if any(c in s.reports_mail_from for c in "\r\n<>,"):
        raise ConfigError("reports.mail_from must be one plain address")
    if s.reports_dictionary.exists():
        from callcenter.search.phrases import DictionaryError, read_dictionary

        try:
            read_dictionary(s.reports_dictionary)
        except DictionaryError as exc:
            raise ConfigError(f"reports.dictionary: {exc}") from exc


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name may resolve anywhere


def _check_peers(s: Settings) -> None:
    peers = s.ami_peers()
    if not peers:
        return
    if not s.asterisk_systemname:
        raise ConfigError("asterisk.peers: name this Asterisk too (asterisk.systemname): "
                          "call ids must say which Asterisk made them")
    names = [s.asterisk_systemname]
    for name, host, port in peers:
        if not SYSTEMNAME.fullmatch(name) or not host or not 0 < port < 65536:
            raise ConfigError("asterisk.peers: NAME=HOST:PORT, comma-separated, NAME an "
                              f"Asterisk's systemname; got {name!r}={host!r}:{port}")
        if not is_loopback(host) and not s.ami_beyond_loopback.strip():
            raise ConfigError(f"asterisk.peers: {name}'s AMI at {host} is beyond loopback: "
                              "set asterisk.ami_beyond_loopback to say why")
        names.append(name)
    if len(set(names)) != len(names):
        raise ConfigError("asterisk.peers: each Asterisk needs a name of its own")


def _check_listeners(s: Settings) -> None:
    """Nothing listens beyond loopback unless a setting says why: FastAGI has no
    authentication at all, AMI and the API carry citizens' numbers."""
    try:
        permit = ipaddress.ip_network(s.ami_permit, strict=False)
    except ValueError as exc:
        raise ConfigError(f"asterisk.ami_permit {s.ami_permit!r} is not an address or "
                          "network") from exc
    loopback = (permit.subnet_of(ipaddress.IPv4Network("127.0.0.0/8"))
                if isinstance(permit, ipaddress.IPv4Network)
                else permit == ipaddress.IPv6Network("::1/128"))
    if not loopback and not s.ami_beyond_loopback.strip():
        raise ConfigError(f"asterisk.ami_permit {s.ami_permit!r} is beyond loopback: set "
                          "asterisk.ami_beyond_loopback to say why (and what protects it)")
    checks = (("asterisk.ami_host", s.ami_host, "asterisk.ami_beyond_loopback",
               s.ami_beyond_loopback),
              ("asterisk.agi_host", s.agi_host, "asterisk.agi_beyond_loopback",
               s.agi_beyond_loopback),
              ("api.host", s.api_host, "api.beyond_loopback", s.api_beyond_loopback))
    for name, host, reason_name, reason in checks:
        if any(c in host for c in "\r\n;[] "):
            raise ConfigError(f"{name} {host!r} may not contain spaces, newlines, ';' or "
                              "brackets")
        if not is_loopback(host) and not reason.strip():
            raise ConfigError(f"{name} {host!r} is beyond loopback: set {reason_name} to say "
                              "why (and what protects it)")
