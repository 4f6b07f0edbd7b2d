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
from collections.abc import Iterable
from pathlib import Path

from pydub import AudioSegment

VOICE = "cmn"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


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


# The files Asterisk's Mandarin number syntax (say.c, "zh") reads from digits/: units, tens,
# hundred, thousand, ten thousand (万) and hundred million (亿).
NUMBER_WORDS = {**{str(n): w for n, w in enumerate("零一二三四五六七八九")},
                **{str(n * 10): ("十" if n == 1 else w + "十")
                   for n, w in enumerate("零一二三四五六七八九") if n},
                "hundred": "百", "thousand": "千", "wan": "万", "yi": "亿", "minus": "负"}


def _speak(text: str, cache_name: str, cache_dir: Path, target: Path, rate: int) -> Path:
    """target made from the cached audio of `text`, synthesised first if not cached yet."""
    key = hashlib.sha256(f"{VOICE}\0{rate}\0{text}".encode()).hexdigest()[:16]
    cached = cache_dir / f"{cache_name}-{key}.wav"
    if not cached.exists():
        synthesize(text, cached, rate=rate)
    shutil.copyfile(cached, target)
    return target


def build_numbers(cache_dir: Path, digits_dir: Path, rate: int = DEFAULT_RATE) -> list[Path]:
    """The spoken numbers Asterisk says positions and waits with, in digits_dir."""
    digits_dir.mkdir(parents=True, exist_ok=True)
    return [_speak(word, f"digit-{name}", cache_dir, digits_dir / f"{name}.wav", rate)
            for name, word in NUMBER_WORDS.items()]


def build(prompts: dict[str, str], cache_dir: Path, out_dir: Path,
          rate: int = DEFAULT_RATE) -> list[Path]:
    """Make every prompt in out_dir/<name>.wav, reusing cached audio."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for name, text in sorted(prompts.items()):
        if not _NAME.match(name):
            raise PromptError(f"prompt name {name!r} must be lower-case letters, digits and _")
        if text.strip():
            made.append(_speak(text, name, cache_dir, out_dir / f"{name}.wav", rate))
    return made


def speech_of(texts: Iterable[str], seconds: float, rate: int) -> bytes:
    """At least `seconds` of the texts spoken (16-bit mono at `rate`), or all of them if they
    are shorter: speech with no caller's words in it, to warm recognisers on."""
    from callcenter.speech.decode import to_pcm  # loads Vosk, which building prompts needs not

    out = b""
    with tempfile.TemporaryDirectory(prefix="speech-of-") as tmp:
        for i, text in enumerate(t for t in texts if t.strip()):
            if len(out) >= seconds * rate * 2:
                break
            wav = Path(tmp) / f"{i}.wav"
            synthesize(text, wav)
            out += to_pcm(wav, rate)
    return out
