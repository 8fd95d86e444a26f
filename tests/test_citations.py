"""Citations in the code lead somewhere a reader can follow (docs/README.md, "Citations").

Comments and docstrings say what the code does and why, or name the docs page that
explains it; a tracker number tells a newcomer nothing, so none may come back. What the
code does cite — a section of the design ("DESIGN §5.2"), a recommendation of the policy
brief ("brief 1.3.5"), a paragraph of Order No. 506 ("Order No. 506 p.15") — must be in
docs/: the section a heading of docs/design.md, the recommendation numbered in
docs/brief.md, the paragraph summarised in docs/domain-kz.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIPPED_DIRS = {"static", "locale", "__pycache__"}

#: "issue 3", "Issue 10 §7", "issue #4", "issue9": a pointer into the tracker.
BREADCRUMB = re.compile(r"\bissue\s*#?\s*\d+", re.IGNORECASE)

#: "DESIGN §5.2", "DESIGN.md §1", "DESIGN §5.2, §5.7": every section number cited.
DESIGN_CITATION = re.compile(
    r"\bDESIGN(?:\.md)?\s*((?:§\s*\d+(?:\.\d+)?(?:\s*[,;]\s*|\s+and\s+)?)+)"
)
SECTION = re.compile(r"§\s*(\d+(?:\.\d+)?)")
#: a numbered heading of the design: "## 5. Principles", "### 5.1 Nothing is lost".
DESIGN_HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", re.MULTILINE)

#: "brief 1.3.5", "brief 1.1.4, 1.2.5", "brief 2.2.1-2.2.3" (either dash), "brief 1.2.6 and 2.1.1".
BRIEF_CITATION = re.compile(
    r"\bbrief\s+(\d+\.\d+\.\d+(?:\s*(?:[,;–-]|and)\s*\d+\.\d+\.\d+)*)", re.IGNORECASE
)
RECOMMENDATION = re.compile(r"\d+\.\d+\.\d+")

#: "Order No. 506 p.9", "Order No. 506 pp.10, 15, 17", "Order No. 506 pp.7-8".
ORDER_506_CITATION = re.compile(
    r"Order No\.\s*506\b[^.;:)\"]{0,30}?\bpp?\.\s*(\d+(?:\s*[-–,]\s*\d+)*)"
)
PARAGRAPHS = re.compile(r"\((pp?)\.(\d+)(?:[–-](\d+))?\)")


def source_files(top: str, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / top).rglob("*")
        if path.suffix in suffixes
        and path.is_file()
        and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    )


def cited(
    pattern: re.Pattern[str], inner: re.Pattern[str], files: list[Path]
) -> dict[str, set[str]]:
    """Each number cited through ``pattern`` → the files citing it."""
    found: dict[str, set[str]] = {}
    for path in files:
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            for number in inner.findall(match.group(1)):
                found.setdefault(number, set()).add(str(path.relative_to(ROOT)))
    return found


def breadcrumbs(files: list[Path]) -> list[str]:
    found = []
    for path in files:
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
        if BREADCRUMB.search(path.name.replace("_", " ")) or re.search(r"issue\d", path.name):
            found.append(f"{name}: the file name")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BREADCRUMB.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


CODE = source_files("qamqor", (".py", ".html", ".json"))


@pytest.mark.parametrize("top", ["qamqor", "tests"])
def test_no_issue_numbers_in_code_or_tests(top: str) -> None:
    """A comment names the docs page or says why; a tracker number is no explanation.
    (This file is the one that must spell the pattern out, so it is not scanned.)"""
    files = [
        path for path in source_files(top, (".py", ".html")) if path != Path(__file__).resolve()
    ]
    assert breadcrumbs(files) == []


def test_the_breadcrumb_pattern_finds_what_it_must(tmp_path: Path) -> None:
    """The scan is not vacuous: each way of writing a tracker number is caught, and words
    that only begin like it ("issued 3 codes") are not."""
    caught = ["(issue 10 §8)", "Issue 4: follow-up", "issue #12", "see issue9.md"]
    passed = ["issued 3 codes", "the tissue 2", "an issue of 5 sessions"]
    assert all(BREADCRUMB.search(text) for text in caught)
    assert not any(BREADCRUMB.search(text) for text in passed)
    (tmp_path / "test_issue3_api.py").write_text('"""Fine."""\n', encoding="utf-8")
    assert breadcrumbs([tmp_path / "test_issue3_api.py"]) != []


def test_every_design_section_cited_is_a_heading_of_the_design() -> None:
    sections = set(DESIGN_HEADING.findall((DOCS / "design.md").read_text(encoding="utf-8")))
    citations = cited(DESIGN_CITATION, SECTION, CODE)
    assert citations, "the code cites the design; the pattern no longer finds it"
    missing = {
        number: sorted(files) for number, files in citations.items() if number not in sections
    }
    assert missing == {}, f"DESIGN sections cited but not headings of docs/design.md: {missing}"


def test_every_brief_recommendation_cited_is_in_the_brief_page() -> None:
    numbered = set(
        re.findall(
            r"^\*\*(\d+\.\d+\.\d+)\*\*",
            (DOCS / "brief.md").read_text(encoding="utf-8"),
            re.MULTILINE,
        )
    )
    citations = cited(BRIEF_CITATION, RECOMMENDATION, CODE)
    assert citations, "the code cites the brief; the pattern no longer finds it"
    missing = {
        number: sorted(files) for number, files in citations.items() if number not in numbered
    }
    assert missing == {}, f"brief recommendations cited but not in docs/brief.md: {missing}"


def summarised_paragraphs() -> set[int]:
    """The paragraphs of Order No. 506 that docs/domain-kz.md summarises: "(p.9)", "(pp.3-6)"
    (either dash)."""
    text = (DOCS / "domain-kz.md").read_text(encoding="utf-8")
    section = text.split("## Order No. 506", 1)[1].split("\n## ", 1)[0]
    found: set[int] = set()
    for _kind, first, last in PARAGRAPHS.findall(section):
        found.update(range(int(first), int(last or first) + 1))
    return found


def cited_paragraphs(text: str) -> set[int]:
    found: set[int] = set()
    for match in ORDER_506_CITATION.finditer(text):
        for part in re.split(r"\s*,\s*", match.group(1)):
            bounds = re.split(r"\s*[-–]\s*", part)
            found.update(range(int(bounds[0]), int(bounds[-1]) + 1))
    return found


def test_every_order_506_paragraph_cited_is_summarised() -> None:
    summarised = summarised_paragraphs()
    missing: dict[int, list[str]] = {}
    for path in CODE:
        for paragraph in cited_paragraphs(path.read_text(encoding="utf-8")) - summarised:
            missing.setdefault(paragraph, []).append(str(path.relative_to(ROOT)))
    assert summarised >= {2, 7, 8, 9, 10, 12, 15, 16, 17}
    assert missing == {}, f"Order No. 506 paragraphs cited but not in docs/domain-kz.md: {missing}"


def test_order_506_citations_are_read_whole() -> None:
    assert cited_paragraphs("Order No. 506 p.9: within 1 working day") == {9}
    assert cited_paragraphs('"basis": "Order No. 506 pp.10, 15, 17 (the body above"') == {
        10,
        15,
        17,
    }
    assert cited_paragraphs("Order No. 506 pp.7-8 (logged") == {7, 8}
    assert cited_paragraphs("Order No. 506 of 21 Dec 2022 (pp. 2, 7-10, 12") == {2, 7, 8, 9, 10, 12}


#: "docs/security.md", "docs/decisions/0008" (a decision record by its number).
DOCS_REFERENCE = re.compile(r"\bdocs/([\w./-]*[\w/])")


def test_every_docs_page_named_in_code_and_tests_exists() -> None:
    missing: dict[str, set[str]] = {}
    for path in CODE + source_files("tests", (".py", ".html")):
        for name in DOCS_REFERENCE.findall(path.read_text(encoding="utf-8")):
            target = DOCS / name
            if not (target.exists() or list(target.parent.glob(f"{target.name}-*.md"))):
                missing.setdefault(f"docs/{name}", set()).add(str(path.relative_to(ROOT)))
    assert missing == {}, f"docs pages named but not in docs/: {missing}"
