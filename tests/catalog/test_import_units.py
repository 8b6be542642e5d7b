"""``import_units``: the example province (docs/examples/units.csv and .json) below the root made
by init; parents after children; a re-import, or the same units in JSON, changes nothing; a
change is a change of that unit only; a dry run writes nothing; and any bad line — named with its
field — leaves the database as it was."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from tests.catalog.install import ROOT, audit_actions, example, install, state, statuses, units

from onestop.catalog.import_files import ImportRejected
from onestop.catalog.models import Unit

CSV_HEADER = "code,name,level,parent_code,address,hotline\n"


def _csv(*rows: str) -> bytes:
    return (CSV_HEADER + "".join(f"{r}\n" for r in rows)).encode()


async def _by_code(app: Any) -> dict[str, Unit]:
    async with app.state.sessionmaker() as s:
        return {u.code: u for u in (await s.execute(select(Unit))).scalars()}


async def _rejected(app: Any, data: bytes, name: str = "units.csv") -> ImportRejected:
    before = await state(app)
    with pytest.raises(ImportRejected) as refused:
        await units(app, data, name)
    assert await state(app) == before, "a refused import changed the database"
    return refused.value


async def test_the_example_province_is_imported_below_the_root(app: Any) -> None:
    await install(app)

    report = await units(app, example("units.csv"))

    assert statuses(report)[ROOT] == "changed"  # init gave it no address or hotline
    assert report.rows[0].changes == ["address", "hotline"]
    assert report.count("created") == 11
    tree = await _by_code(app)
    root, centre, justice, commune = (
        tree[c] for c in (ROOT, "000.00.01.H98", "000.00.10.H98", "000.01.22.H98")
    )
    assert root.hotline == "0298.3822.000"
    assert (centre.level, centre.parent_id, centre.has_counter) == ("centre", root.id, True)
    assert centre.address == "Số 8 đường Trần Hưng Đạo, phường Trung Tâm, tỉnh Mẫu"
    assert (justice.level, justice.has_counter, justice.province) == ("department", False, "H98")
    assert (commune.name, commune.level, commune.has_counter) == (
        "UBND xã Tân Lập",
        "commune",
        True,
    )
    assert commune.path == f"{root.path}{commune.id}/"
    actions = await audit_actions(app)
    assert actions.count(("unit.create", "000.01.22.H98", "import:units.csv")) == 1
    assert ("unit.update", ROOT, "import:units.csv") in actions
    assert actions[-1] == ("catalog.import", "units", "import:units.csv")


async def test_a_re_import_and_the_same_units_in_json_change_nothing(app: Any) -> None:
    await install(app)
    await units(app, example("units.csv"))
    before = await state(app)

    again = await units(app, example("units.csv"))
    as_json = await units(app, example("units.json"), "units.json")

    for report in (again, as_json):
        assert set(statuses(report).values()) == {"unchanged"}
        assert not report.changed_anything
        assert "nothing changed" in report.lines()[-1]
    assert await state(app) == before  # not even an audit entry


async def test_parents_may_come_after_their_children(app: Any) -> None:
    lines = example("units.csv").decode().splitlines()
    reversed_file = "\n".join([lines[0], *reversed(lines[1:])]).encode()

    report = await units(app, reversed_file)

    assert report.count("created") == 12
    assert [r.line for r in report.rows] == list(range(2, 14))  # reported in the file's order
    tree = await _by_code(app)
    assert tree["000.01.24.H98"].parent_id == tree[ROOT].id
    assert tree[ROOT].province == "H98"  # a root's province from its QCVN 102 code


async def test_a_change_changes_that_unit_only_and_is_audited(app: Any) -> None:
    await install(app)
    await units(app, example("units.csv"))
    text = example("units.csv").decode()
    changed = text.replace("0298.3866.123", "0298.3866.999").replace(
        "UBND xã Suối Mây,commune,000.00.00.H98", "UBND xã Suối Mây,commune,000.00.01.H98"
    )

    report = await units(app, changed.encode())

    assert {c: s for c, s in statuses(report).items() if s != "unchanged"} == {
        "000.01.23.H98": "changed",
        "000.01.24.H98": "changed",
    }
    assert [r.changes for r in report.rows if r.status == "changed"] == [
        ["hotline"],
        ["parent_code"],
    ]
    tree = await _by_code(app)
    assert tree["000.01.23.H98"].hotline == "0298.3866.999"
    assert tree["000.01.24.H98"].path.startswith(tree["000.00.01.H98"].path)
    actions = await audit_actions(app)
    assert ("unit.update", "000.01.23.H98", "import:units.csv") in actions


async def test_a_dry_run_reports_and_writes_nothing(app: Any) -> None:
    await install(app)
    before = await state(app)

    report = await units(app, example("units.csv"), dry_run=True)

    assert report.dry_run and report.count("created") == 11
    assert "dry run: nothing was written" in report.lines()[-1]
    assert await state(app) == before


async def test_one_bad_line_in_the_middle_writes_nothing_and_is_named(app: Any) -> None:
    await install(app)
    lines = example("units.csv").decode().splitlines()
    lines[6] = lines[6].replace(",department,", ",sở ban ngành xyz,")  # line 7 of the file

    refused = await _rejected(app, "\n".join(lines).encode())

    assert [(e.line, e.field) for e in refused.errors] == [(7, "level")]
    assert refused.detail.startswith("Dòng 7, trường level: Cấp đơn vị")
    assert "(line 7, field level: unknown unit level" in refused.detail


async def test_unknown_parent_duplicate_code_cycle_and_more_are_all_named(app: Any) -> None:
    await install(app)
    data = _csv(
        f"X.01,Một,commune,{ROOT},,",
        "X.02,Hai,commune,KHONG.CO,,",  # unknown parent
        f"X.01,Một lần nữa,commune,{ROOT},,",  # duplicate code
        "X.04,Bốn,commune,X.05,,",  # cycle with the next line
        "X.05,Năm,commune,X.04,,",
        f"X 06,Sáu,commune,{ROOT},,",  # not a QCVN 102 code
        f"X.07,Bảy,commune,{ROOT},,12ab",  # not a telephone number
        f"X.08,Tám,huyện,{ROOT},,",  # no district level since 01/07/2025
    )

    refused = await _rejected(app, data)

    assert [(e.line, e.field) for e in refused.errors] == [
        (3, "parent_code"),
        (4, "code"),
        (5, "parent_code"),
        (7, "code"),
        (8, "hotline"),
        (9, "level"),
    ]
    details = [e.detail for e in refused.errors]
    assert "unknown parent unit KHONG.CO" in details[0]
    assert "already appears on line 2" in details[1]
    assert "lines 5, 6 are each other's parents" in details[2]
    assert "QCVN 102" in details[3]
    assert "cấp huyện" in details[5]
    assert refused.detail.startswith("Tệp có 6 lỗi")


async def test_a_unit_is_not_cut_off_its_parent_by_an_empty_parent_code(app: Any) -> None:
    await install(app)
    await units(app, example("units.csv"))

    refused = await _rejected(app, _csv("000.00.10.H98,Sở Tư pháp,department,,,"))

    assert [(e.line, e.field) for e in refused.errors] == [(2, "parent_code")]


async def test_a_json_file_that_is_not_a_list(app: Any) -> None:
    refused = await _rejected(app, json.dumps({"code": ROOT}).encode(), "units.json")

    assert [(e.line, e.field) for e in refused.errors] == [(1, None)]
    assert "must be a list" in refused.detail


async def test_json_items_are_named_by_the_line_they_start_on(app: Any) -> None:
    items = json.loads(example("units.json"))
    items[3]["hotline"] = "không có"
    items[5]["fax"] = "0298.3822.999"
    data = json.dumps(items, ensure_ascii=False, indent=2).encode()
    starts = [n for n, line in enumerate(data.decode().splitlines(), 1) if line == "  {"]

    refused = await _rejected(app, data, "units.json")

    assert [(e.line, e.field) for e in refused.errors] == [
        (starts[3], "hotline"),
        (starts[5], "fax"),
    ]


async def test_a_csv_with_a_missing_column(app: Any) -> None:
    data = b"code,name,parent_code\n000.00.00.H98,UBND t\xe1\xbb\x89nh M\xe1\xba\xabu,\n"

    refused = await _rejected(app, data)

    assert [(e.line, e.field) for e in refused.errors] == [(1, "level")]
    assert "thiếu cột bắt buộc" in refused.detail


async def test_non_utf8_bytes_are_refused_with_their_line(app: Any) -> None:
    lines = example("units.csv").split(b"\n")
    lines[4] = b"000.00.11.H98,S\xf4 X\xe2y d\xf9ng,department,000.00.00.H98,,"  # Windows-1258

    refused = await _rejected(app, b"\n".join(lines))

    assert [(e.line, e.field) for e in refused.errors] == [(5, None)]
    assert "không phải UTF-8" in refused.detail and "CSV UTF-8" in refused.detail


async def test_a_byte_order_mark_and_decomposed_accents_are_read_as_utf8_nfc(app: Any) -> None:
    import unicodedata

    name = unicodedata.normalize("NFD", "UBND tỉnh Mẫu")
    data = "\ufeff".encode() + _csv(f"{ROOT},{name},province,,,")

    await units(app, data)

    assert (await _by_code(app))[ROOT].name == unicodedata.normalize("NFC", "UBND tỉnh Mẫu")
