"""Settlements and their vulnerability index from a registry's CSV files
(qamqor/directory/registry.py, `manage.py load_settlements`; docs/analytics.md): a valid
file creates and then updates by KATO code, a file with any bad line writes nothing and
names each line, column and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from qamqor.directory.models import District, Region, Settlement

HEADER = (
    "kato,region,district,kind,name_kk,name_ru,name_en,latitude,longitude,population,children\n"
)


@pytest.fixture(autouse=True)
def _english() -> object:
    """The refusals are read in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def regions(db: None) -> None:
    almaty = Region.objects.create(
        code="KZ-75", kind="city", name_kk="Алматы", name_ru="Алматы", name_en="Almaty"
    )
    Region.objects.create(
        code="KZ-71", kind="city", name_kk="Астана", name_ru="Астана", name_en="Astana"
    )
    District.objects.create(
        region=almaty, code="KZ-75-D1", name_kk="D1", name_ru="D1", name_en="D1"
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_registry_file_creates_then_updates_by_kato_code(
    regions: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "settlements.csv",
        HEADER
        + "751010000,KZ-75,KZ-75-D1,village,Ауыл,Село,,43.30,76.90,2500,800\n"
        + "711010000,KZ-71,,city,Қала,Город,Town,51.10,71.40,,\n",
    )
    call_command("load_settlements", str(path))
    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    village = Settlement.objects.get(kato="751010000")
    assert village.district is not None
    assert (village.name_en, village.children, village.district.code) == ("Село", 800, "KZ-75-D1")
    call_command("load_settlements", str(path))
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    path.write_text(path.read_text().replace(",2500,800", ",2600,900"), encoding="utf-8")
    vulnerability = write(tmp_path, "v.csv", "kato,vulnerability\n751010000,1.8\n")
    call_command("load_settlements", str(path), vulnerability=str(vulnerability))
    out = capsys.readouterr().out
    assert "0 created, 1 updated, 1 unchanged" in out
    assert "vulnerability index set for 1 settlements" in out
    village.refresh_from_db()
    assert (village.children, village.vulnerability) == (900, 1.8)


def test_a_file_with_bad_lines_writes_nothing_and_names_each_problem(
    regions: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "settlements.csv",
        HEADER
        + "751010000,KZ-75,,village,Ауыл,Село,,43.30,76.90,2500,800\n"
        + "12,KZ-99,,hamlet,,Село,,95,76.90,10,20\n"
        + "751020000,KZ-71,KZ-75-D1,village,Ауыл,Село,,43.30,12.0,x,\n",
    )
    with pytest.raises(CommandError) as refused:
        call_command("load_settlements", str(path))
    message = str(refused.value)
    assert "nothing of it was written" in message
    for expected in (
        "Line 3, column kato",
        "Line 3, column region",
        "Line 3, column kind",
        "Line 3, column name_kk",
        "Line 3, column latitude",
        "Line 3, column children",
        "Line 4, column district",
        "Line 4, column longitude",
        "Line 4, column population",
    ):
        assert expected in message
    assert "Line 2" not in message
    assert not Settlement.objects.exists()


def test_a_file_without_the_required_columns_is_refused(regions: None, tmp_path: Path) -> None:
    path = write(tmp_path, "s.csv", "kato,name\n751010000,x\n")
    with pytest.raises(CommandError, match="missing columns: region, kind, name_kk"):
        call_command("load_settlements", str(path))


def test_an_unknown_settlement_in_the_vulnerability_file_is_refused(
    regions: None, tmp_path: Path
) -> None:
    path = write(tmp_path, "v.csv", "kato,vulnerability\n999999999,1.2\n")
    with pytest.raises(CommandError, match="Line 2, column kato"):
        call_command("load_settlements", vulnerability=str(path))
