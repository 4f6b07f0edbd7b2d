"""The satisfaction callback by keys (回访, 001 §十一): four questions on the phone.

Pure. Whether the matter was solved (1 yes, 2 no), then the three scores of satisfaction,
1 (very dissatisfied) to 5 (very satisfied): the staff's attitude, the speed, the result. A key
outside a question's range is asked again once; no key at all ends the survey unrecorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.domain.replies import Callback

# (prompt, the keys that answer it)
QUESTIONS = (("survey_solved", "12"), ("survey_attitude", "12345"),
             ("survey_speed", "12345"), ("survey_result", "12345"))
PROMPTS = ("survey_intro", *(q for q, _ in QUESTIONS), "survey_thanks", "survey_incomplete")


@dataclass(frozen=True)
class Answers:
    keys: tuple[str, ...]

    def complete(self) -> bool:
        return len(self.keys) == len(QUESTIONS) and all(
            k in allowed for k, (_, allowed) in zip(self.keys, QUESTIONS, strict=True))

    def callback(self) -> Callback:
        solved, attitude, speed, result = self.keys
        return Callback(reached=True, solved=solved == "1", attitude=int(attitude),
                        speed=int(speed), result=int(result), note="按键回访")
