"""Voice prompts: Mandarin text from config/prompts.toml spoken by espeak-ng, as 8 kHz mono WAV.

Generated files are cached under the cache folder, named by a hash of voice and text, so a
changed text makes a new prompt and an unchanged one costs nothing.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from pydub import AudioSegment

VOICE = "cmn"
_NAME = re.compile(r"^[a-z_]{1,32}$")


class PromptError(RuntimeError):
    pass


DEFAULT_RATE = 175  # espeak-ng's own default, words per minute


def synthesize(text: str, target: Path, voice: str = VOICE, rate: int = DEFAULT_RATE) -> None:
    if shutil.which("espeak-ng") is None:
        raise PromptError("espeak-ng is not installed: run scripts/setup-host.sh")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        # The text goes as one argv element, never through a shell.
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), text],
                       check=True, capture_output=True, timeout=120)
        with raw.open("rb") as f:  # pydub leaves files it opens itself to the collector
            audio = AudioSegment.from_wav(f)
        audio = audio.set_frame_rate(8000).set_channels(1).set_sample_width(2)
        target.parent.mkdir(parents=True, exist_ok=True)
        audio.export(target, format="wav").close()  # export returns the open file


def build(prompts: dict[str, str], cache_dir: Path, out_dir: Path,
          rate: int = DEFAULT_RATE) -> list[Path]:
    """Make every prompt in out_dir/<name>.wav, reusing cached audio."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for name, text in sorted(prompts.items()):
        if not _NAME.match(name):
            raise PromptError(f"prompt name {name!r} must be lower-case letters and _")
        if not text.strip():
            continue
        key = hashlib.sha256(f"{VOICE}\0{rate}\0{text}".encode()).hexdigest()[:16]
        cached = cache_dir / f"{name}-{key}.wav"
        if not cached.exists():
            synthesize(text, cached, rate=rate)
        target = out_dir / f"{name}.wav"
        shutil.copyfile(cached, target)
        made.append(target)
    return made
