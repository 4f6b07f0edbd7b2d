"""Secrets live in private files: created 0600, refused when readable, never injectable."""

import os
import stat

import pytest

from callcenter import cli, secret_files
from callcenter.config import PROJECT_ROOT, load_settings


@pytest.fixture
def production_config(tmp_path):
    text = (PROJECT_ROOT / "config" / "hotline.toml").read_text()
    text = text.replace('# profile = "sandbox"', 'profile = "production"')
    assert 'profile = "production"' in text
    cfg = tmp_path / "config" / "hotline.toml"
    cfg.parent.mkdir()
    cfg.write_text(text)
    (cfg.parent / "prompts.toml").write_text((PROJECT_ROOT / "config" / "prompts.toml").read_text())
    return cfg


def test_seat_secrets_are_created_private_and_kept(tmp_path):
    path = tmp_path / "var" / "seat-secrets.toml"
    assert secret_files.ensure_seat_secrets(path, ["8001", "8002"]) == ["8001", "8002"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = secret_files.load_seat_secrets(path)
    assert set(first) == {"8001", "8002"} and first["8001"] != first["8002"]
    assert secret_files.ensure_seat_secrets(path, ["8001", "8002", "8003"]) == ["8003"]
    again = secret_files.load_seat_secrets(path)
    assert {k: again[k] for k in first} == first and "8003" in again


def test_a_secret_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "seat-secrets.toml"
    secret_files.ensure_seat_secrets(path, ["8001"])
    os.chmod(path, 0o644)
    with pytest.raises(secret_files.SecretError, match="chmod 600"):
        secret_files.load_seat_secrets(path)


@pytest.mark.parametrize("bad", ["short", "two\nlines-here", "has space in it", "x]\n[evil]\nx"])
def test_a_secret_that_could_inject_configuration_is_refused(tmp_path, bad):
    path = tmp_path / "seat-secrets.toml"
    secret_files.write_private(path, f'[seats]\n"8001" = {bad!r}\n'.replace("'", '"'))
    with pytest.raises(secret_files.SecretError):
        secret_files.load_seat_secrets(path)


def test_production_render_needs_and_uses_seat_secrets(production_config, tmp_path, capsys,
                                                        monkeypatch):
    out = tmp_path / "out"
    argv = ["--config", str(production_config)]
    monkeypatch.delenv("CALLCENTER_AMI_SECRET", raising=False)
    monkeypatch.setenv("CALLCENTER_HOME", str(tmp_path))
    assert cli.main([*argv, "render", "--out", str(out)]) == 2
    assert "callcenter seat-secrets" in capsys.readouterr().err

    assert cli.main([*argv, "seat-secrets"]) == 0
    settings = load_settings(production_config)
    assert settings.seat_secrets_file == tmp_path / "var" / "seat-secrets.toml"
    assert cli.main([*argv, "seat-secrets", "--show", settings.seats[0].id]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main([*argv, "render", "--out", str(out)]) == 0
    pjsip = (out / "pjsip.conf").read_text()
    for seat in settings.seats:
        assert f"username = {seat.endpoint}\n" in pjsip
    assert f"password = {secret}\n" in pjsip
    assert "match = 127.0.0.1" not in pjsip  # production seats register; no loopback identify
