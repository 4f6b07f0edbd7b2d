"""Typed settings, loaded once from config/hotline.toml, then overridden by the environment.

Nothing here connects or reads at import time: `load_settings()` is called by the composition
root (bootstrap / cli) only.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callcenter import secret_files

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the setting."""


@dataclass(frozen=True)
class Seat:
    id: str
    name: str
    sandbox_port: int

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
    ami_secret_file: Path | None = None
    seat_secrets_file: Path = Path("var/seat-secrets.toml")
    sip_port: int = 5060
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    agi_timeout_ms: int = 3000
    rtp_start: int = 10000
    rtp_end: int = 10999
    queue_name: str = "hotline"
    queue_strategy: str = "rrmemory"
    queue_ring_timeout: int = 15
    queue_retry: int = 2
    queue_max_wait: int = 300
    queue_wrapup: int = 5
    trunk_sandbox_port: int = 5070
    seats: tuple[Seat, ...] = ()
    menu_enabled: bool = False
    menu_timeout: int = 5
    recording_root: Path = Path("recordings")
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
    speech_model: Path | None = None  # a Vosk model directory; else found (speech/model.py)
    topics_file: Path = Path("config/topics.toml")  # hot-topic keywords (domain/topics.py)

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
        if self.ami_secret_file is None:
            raise ConfigError("asterisk.ami_secret_file: no AMI secret configured")
        try:
            return secret_files.ami_secret(self.ami_secret_file)
        except secret_files.SecretError as exc:
            raise ConfigError(str(exc)) from exc

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


_ENV: dict[str, tuple[str, type]] = {
    "CALLCENTER_DB_URL": ("store_url", str),
    "CALLCENTER_AMI_PORT": ("ami_port", int),
    "CALLCENTER_AGI_PORT": ("agi_port", int),
    "CALLCENTER_SIP_PORT": ("sip_port", int),
    "CALLCENTER_RECORDINGS": ("recording_root", Path),
    "CALLCENTER_SANDBOX_CACHE": ("sandbox_cache_dir", Path),
    "CALLCENTER_STATE_DIR": ("sandbox_state_dir", Path),
    "CALLCENTER_TOPICS": ("topics_file", Path),
}


def load_settings(path: Path | None = None, root: Path | None = None) -> Settings:
    root = root or Path(os.environ.get("CALLCENTER_HOME", PROJECT_ROOT))
    path = path or Path(os.environ.get("CALLCENTER_CONFIG", root / "config" / "hotline.toml"))
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

    hot, ast = _section(data, "hotline"), _section(data, "asterisk")
    queue, trunk = _section(data, "queue"), _section(data, "trunk")
    ivr, rec = _section(data, "ivr"), _section(data, "recordings")
    store, sandbox = _section(data, "store"), _section(data, "sandbox")
    tickets, api = _section(data, "tickets"), _section(data, "api")
    speech = _section(data, "speech")
    seats = tuple(_seat(i, s) for i, s in enumerate(data.get("seats", [])))
    try:
        settings = Settings(
            project_root=root,
            number=str(hot.get("number", "12345")),
            timezone=str(hot.get("timezone", "Asia/Shanghai")),
            language=str(hot.get("language", "zh")),
            profile=str(ast.get("profile", "sandbox")),
            ami_host=str(ast.get("ami_host", "127.0.0.1")),
            ami_port=int(ast.get("ami_port", 5038)),
            ami_user=str(ast.get("ami_user", "callcenter")),
            ami_secret_file=_resolve(root, str(ast.get("ami_secret_file", "var/ami.secret"))),
            seat_secrets_file=_resolve(root, str(ast.get("seat_secrets_file",
                                                          "var/seat-secrets.toml"))),
            sip_port=int(ast.get("sip_port", 5060)),
            agi_host=str(ast.get("agi_host", "127.0.0.1")),
            agi_port=int(ast.get("agi_port", 4573)),
            agi_timeout_ms=int(ast.get("agi_timeout_ms", 3000)),
            rtp_start=int(ast.get("rtp_start", 10000)),
            rtp_end=int(ast.get("rtp_end", 10999)),
            queue_name=str(queue.get("name", "hotline")),
            queue_strategy=str(queue.get("strategy", "rrmemory")),
            queue_ring_timeout=int(queue.get("ring_timeout", 15)),
            queue_retry=int(queue.get("retry", 2)),
            queue_max_wait=int(queue.get("max_wait", 300)),
            queue_wrapup=int(queue.get("wrapup", 5)),
            trunk_sandbox_port=int(trunk.get("sandbox_port", 5070)),
            seats=seats,
            menu_enabled=bool(ivr.get("menu_enabled", False)),
            menu_timeout=int(ivr.get("menu_timeout", 5)),
            recording_root=_resolve(root, str(rec.get("root", "recordings"))),
            asterisk_recording_root=str(rec.get("asterisk_root",
                                                "/var/spool/asterisk/hotline-rec")),
            store_url=str(store.get("url", "sqlite:///var/callcenter.db")),
            sandbox_cache_dir=_resolve(root, str(sandbox.get("cache_dir",
                                                              "/var/cache/callcenter"))),
            sandbox_state_dir=_resolve(root, str(sandbox.get("state_dir",
                                                              "/var/lib/callcenter/sandbox"))),
            prompts=prompts,
            policy=str(tickets.get("policy", "shanghai-2022")),
            policies_file=_resolve(root, str(tickets.get("policies_file",
                                                          "config/policies.toml"))),
            workdays_file=_resolve(root, str(tickets.get("workdays_file",
                                                          "config/workdays.toml"))),
            replies_file=_resolve(root, str(tickets.get("replies_file",
                                                         "config/replies.toml"))),
            units_file=_resolve(root, str(tickets.get("units_file", "config/units.toml"))),
            api_host=str(api.get("host", "127.0.0.1")),
            api_port=int(api.get("port", 8080)),
            api_tokens_file=_resolve(root, str(api.get("tokens_file", "var/api-tokens.toml"))),
            speech_model=_resolve(root, str(speech["model"])) if speech.get("model") else None,
            topics_file=_resolve(root, str(speech.get("topics_file", "config/topics.toml"))),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    changes: dict[str, Any] = {}
    for var, (attr, kind) in _ENV.items():
        if var in os.environ:
            raw = os.environ[var]
            changes[attr] = _resolve(root, raw) if kind is Path else kind(raw)
    settings = replace(settings, **changes)
    settings = replace(settings, store_url=_anchor_sqlite(root, settings.store_url))
    validate(settings)
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
    try:
        return Seat(str(raw["id"]), str(raw.get("name", raw["id"])),
                    int(raw.get("sandbox_port", 0)))
    except KeyError as exc:
        raise ConfigError(f"seats[{index}]: missing {exc}") from exc


def validate(s: Settings) -> None:
    """Everything that ends up in Asterisk's configuration is checked here, once."""
    if not re.fullmatch(r"[0-9]{3,20}", s.number):
        raise ConfigError(f"hotline.number must be 3-20 digits, got {s.number!r}")
    if s.profile not in ("sandbox", "production"):
        raise ConfigError(f"asterisk.profile must be sandbox or production, got {s.profile!r}")
    for name in ("ami_user", "queue_name"):
        if not _SAFE_ID.match(getattr(s, name)):
            raise ConfigError(f"{name} must match [A-Za-z0-9_-]{{1,32}}")
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
