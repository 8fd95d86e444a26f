"""The tracker holds every numbered recommendation of the brief, no more and no fewer, and
loading them again changes nothing that the coordinating body keeps (brief 3.2.2)."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from qamqor.oversight import services
from qamqor.oversight.models import Addressee, Recommendation, Status
from tests.oversight.conftest import Tracker

ROOT = Path(__file__).resolve().parents[2]
BRIEF = ROOT / "docs" / "brief.md"
#: "**1.3.5** Add to the Methodology …": a numbered recommendation as the brief sets it.
NUMBERED = re.compile(r"^\*\*(\d+\.\d+\.\d+)\*\*\s+(.+)$", re.MULTILINE)
#: "## 2. Recommendations for state bodies and agencies responsible for the enforcement …"
PART = re.compile(r"^## (\d)\. (.+)$", re.MULTILINE)
#: Whom each part of the brief addresses, by the words of its heading.
ADDRESSEE_WORDS = {
    Addressee.DECISION_MAKERS: "responsible for decision-making",
    Addressee.ENFORCEMENT: "responsible for the enforcement",
    Addressee.INDEPENDENT: "independent organizations",
}


def brief_recommendations() -> dict[str, str]:
    return dict(NUMBERED.findall(BRIEF.read_text(encoding="utf-8")))


def test_the_brief_is_read() -> None:
    """The parser finds the brief's recommendations at all (from 1.1.1 to 3.4.3)."""
    numbers = list(brief_recommendations())
    assert numbers[0] == "1.1.1" and numbers[-1] == "3.4.3"
    assert len(numbers) == 57


def test_the_data_file_has_exactly_the_brief_numbers_in_its_order() -> None:
    in_file = [entry["number"] for entry in services.read_data_file()]
    assert in_file == list(brief_recommendations())


def test_each_addressee_is_the_one_its_part_of_the_brief_names() -> None:
    parts = dict(PART.findall(BRIEF.read_text(encoding="utf-8")))
    for entry in services.read_data_file():
        heading = parts[entry["number"].split(".")[0]]
        assert ADDRESSEE_WORDS[Addressee(entry["addressee"])] in heading, entry["number"]


def test_summaries_are_the_trackers_own_words_in_three_languages() -> None:
    quoted = brief_recommendations()
    for entry in services.read_data_file():
        summary = entry["summary"]
        assert summary["en"] != quoted[entry["number"]], entry["number"]
        assert all(summary[code].endswith(".") for code in ("kk", "ru", "en")), entry["number"]
        assert re.search("[әғқңөұүһі]", summary["kk"], re.IGNORECASE), entry["number"]
        assert re.search("[а-яё]", summary["ru"], re.IGNORECASE), entry["number"]
        assert len({summary["kk"], summary["ru"], summary["en"]}) == 3


@pytest.mark.django_db
def test_loading_twice_changes_nothing_the_coordinating_body_keeps(tracker: Tracker) -> None:
    assert Recommendation.objects.count() == len(brief_recommendations())
    services.change_status(
        actor=tracker.coordinator,
        recommendation=tracker.recommendation("1.3.5"),
        status=Status.IN_PROGRESS,
        note="Draft amendment sent to the ministry.",
    )
    again = services.load_recommendations()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 57)
    assert tracker.recommendation("1.3.5").status == Status.IN_PROGRESS
    assert tracker.recommendation("1.3.5").changes.count() == 1


@pytest.mark.django_db
def test_a_corrected_summary_is_loaded_and_a_dropped_number_kept(
    tracker: Tracker, tmp_path: Path
) -> None:
    entries = services.read_data_file()
    entries[0]["summary"]["en"] = "A corrected summary."
    data = tmp_path / "recommendations.json"
    data.write_text(json.dumps({"recommendations": entries[:-1]}), encoding="utf-8")
    result = services.load_recommendations(data)
    assert (result.created, result.updated, result.missing_from_file) == (0, 1, ("3.4.3",))
    assert tracker.recommendation("1.1.1").summary_en == "A corrected summary."
    assert Recommendation.objects.filter(number="3.4.3").exists()


def test_a_malformed_data_file_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "recommendations.json"
    data.write_text(
        json.dumps({"recommendations": [{"number": "1.1", "addressee": "x", "summary": {}}]}),
        encoding="utf-8",
    )
    with pytest.raises(services.RecommendationDataError):
        services.read_data_file(data)


@pytest.mark.django_db
def test_the_command_loads_and_says_how_many() -> None:
    out = StringIO()
    call_command("load_recommendations", stdout=out)
    assert "57 created" in out.getvalue()
    call_command("load_recommendations", stdout=out)
    assert "57 unchanged" in out.getvalue()
    assert Recommendation.objects.count() == 57
