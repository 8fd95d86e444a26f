"""The trust survey's questions and answer scales as data (brief 3.3.4).

``surveys/data/questions.json`` holds, once, every answer scale (options with labels in
kk/ru/en) and every question: a stable code, its scale, and its wording for each respondent
group in kk/ru/en — informal for adolescents ("сен", "ты"), formal for parents ("Сіз",
"Вы"). The file is read and checked whole when the app starts (``SurveysConfig.ready``), so
a broken file stops the start-up rather than a respondent's page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from qamqor.translation import pick

DATA_FILE = Path(__file__).resolve().parent / "data" / "questions.json"
LANGUAGES = ("kk", "ru", "en")
GROUPS = ("adolescent", "parent")


class QuestionDataError(ValueError):
    """The questions file is not a valid questionnaire."""


@dataclass(frozen=True)
class Option:
    code: str
    label_texts: dict[str, str]

    @property
    def label(self) -> str:
        return pick(self.label_texts)


@dataclass(frozen=True)
class Question:
    code: str
    scale: str
    options: tuple[Option, ...]
    texts: dict[str, dict[str, str]]  # group → language → text

    def text(self, group: str) -> str:
        """The wording for ``group`` in the active language."""
        return pick(self.texts[group])

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    def option_label(self, code: str) -> str:
        return next(option.label for option in self.options if option.code == code)


@dataclass(frozen=True)
class Questionnaire:
    version: int
    questions: tuple[Question, ...]

    def question(self, code: str) -> Question:
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(code), str) and value[code].strip() for code in LANGUAGES
    ):
        raise QuestionDataError(f"{where}: a text in each of kk, ru and en is required")
    return {code: value[code].strip() for code in LANGUAGES}


def parse(data: Any) -> Questionnaire:
    """The questionnaire of ``data`` (the file's JSON), checked: known scales, codes once
    each, every text in kk/ru/en for both respondent groups."""
    try:
        version = int(data["version"])
        scales_data = data["scales"]
        questions_data = data["questions"]
    except (KeyError, TypeError, ValueError) as error:
        raise QuestionDataError(f"version, scales and questions are required: {error}") from error
    scales: dict[str, tuple[Option, ...]] = {}
    for name, options in dict(scales_data).items():
        codes = [str(option.get("code", "")) for option in options]
        if len(options) < 2 or len(set(codes)) != len(codes) or not all(codes):
            raise QuestionDataError(f"scale {name}: two or more options, each code once")
        scales[name] = tuple(
            Option(code, _texts(option.get("label"), f"scale {name}, option {code}"))
            for code, option in zip(codes, options, strict=True)
        )
    questions: list[Question] = []
    for entry in questions_data:
        code = str(entry.get("code", ""))
        if not code.isidentifier() or any(q.code == code for q in questions):
            raise QuestionDataError(f"question code missing, malformed or repeated: {code!r}")
        scale = entry.get("scale")
        if scale not in scales:
            raise QuestionDataError(f"question {code}: unknown scale {scale!r}")
        texts = entry.get("text") or {}
        questions.append(
            Question(
                code=code,
                scale=scale,
                options=scales[scale],
                texts={group: _texts(texts.get(group), f"{code} ({group})") for group in GROUPS},
            )
        )
    if not questions:
        raise QuestionDataError("the questionnaire has no question")
    return Questionnaire(version=version, questions=tuple(questions))


@cache
def questionnaire() -> Questionnaire:
    """The questionnaire of the data file (read once per process)."""
    try:
        data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise QuestionDataError(f"cannot read {DATA_FILE.name}: {error}") from error
    return parse(data)
