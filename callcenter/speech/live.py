"""Words of a call while it runs: one decoder per speaker's stream.

Samples go in as they arrive; out come the words heard so far: a partial line that grows and
changes as the speaker goes on, and a final utterance each time the speaker pauses (or Vosk's
endpointing closes one). Decoding is Kaldi's C code, which releases the GIL: callers feed
from worker threads, one stream at a time per decoder (a recogniser is not thread-safe).
"""

from __future__ import annotations

from dataclasses import dataclass

import vosk

from callcenter.speech import vad
from callcenter.speech.decode import Recogniser, Recognisers, Word, join_words

GAP_S = 0.4  # live: the silence that closes an utterance (the desk's final words wait this)


@dataclass(frozen=True)
class Heard:
    """One utterance as heard so far. `final`: it will not change again."""

    n: int  # the utterance's place in the stream, from 0
    text: str  # Vosk's words (speech/decode.join_words)
    final: bool
    start_s: float  # from the stream's start; a partial's: its span's start
    end_s: float  # a partial's: the audio fed so far


class LiveDecoder:
    """One speaker's stream. Silence is not decoded (speech/vad.py): each span of speech is
    an utterance of its own, closed at the span's end (`gap_s` of silence) rather than when
    Vosk's own endpointing would. Its recogniser is taken from `kept` (the process's streams
    share them, warm: speech/decode.Recognisers) for the span and given back after it."""

    def __init__(self, model: vosk.Model, rate: int, method: str = "webrtc",
                 gap_s: float = GAP_S, kept: Recognisers | None = None) -> None:
        if kept is not None and kept.rate != rate:
            raise ValueError(f"recognisers for {kept.rate} Hz given to a {rate} Hz stream")
        self.recognisers = kept or Recognisers(model, rate)  # its own: reused span to span
        self.rate = rate
        self.gate = vad.Gate(rate, vad.detector(method, rate), gap_s=gap_s)
        self._rec: Recogniser | None = None
        self._span_at = 0.0  # where the span under way began in the stream
        self._span_fed = 0.0  # seconds of it fed
        self._n = 0
        self._partial = ""  # as last reported

    def feed(self, samples: bytes) -> list[Heard]:
        """What changed with these samples (16-bit mono at `rate`)."""
        out: list[Heard] = []
        for piece in self.gate.push(samples):
            out += self._piece(piece)
        return out

    def finish(self) -> list[Heard]:
        """The last utterance, once the stream has ended."""
        return [h for piece in self.gate.end() for h in self._piece(piece)]

    def _piece(self, piece: vad.Piece) -> list[Heard]:
        if isinstance(piece, vad.Opened):
            self._rec = self.recognisers.take()
            self._span_at, self._span_fed = piece.at_s, 0.0
            return []
        rec = self._rec
        if rec is None:
            return []
        if isinstance(piece, vad.Closed):
            self._rec = None
            words = rec.final()
            self.recognisers.give(rec)
            return self._final(words)
        self._span_fed += len(piece.samples) / 2 / self.rate
        if rec.accept(piece.samples):
            return self._final(rec.result())
        text = join_words(rec.partial().split())
        if text == self._partial:
            return []
        self._partial = text
        return [Heard(self._n, text, False, self._span_at, self._span_at + self._span_fed)]

    def _final(self, words: list[Word]) -> list[Heard]:
        """The utterance closed. One the desk was shown as a partial is always closed, empty
        if the recogniser thought better of it, so no guess stays on the screen."""
        shown, self._partial = self._partial, ""
        if not words and not shown:
            return []
        at = self._span_at
        heard = Heard(self._n, join_words(w.text for w in words), True,
                      round(at + words[0].start, 3) if words else at,
                      round(at + words[-1].end, 3) if words else at + self._span_fed)
        self._n += 1
        return [heard]
