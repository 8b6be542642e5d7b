"""Reading a catalogue import file (CSV or JSON) into numbered rows, and the errors and report the
unit and procedure imports share.

A file is read whole and checked before anything is written. Every error names the line of the
file and the field at fault, in Vietnamese with the English in brackets like the API's problem
details; a file with any bad line writes nothing. Text is read as UTF-8 (a byte-order mark, as
spreadsheet programs write, is skipped) and normalised to NFC, so a name typed with combining
accents is stored, compared and searched like the same name typed precomposed.

CSV: a header line naming the columns, then one row per line (a quoted cell may span lines; the
line given is the one the row starts on). JSON: a list of objects, one per row (the line given is
the one the object starts on). An empty cell, or a key left out, means "not given".
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

from pydantic import ValidationError

from onestop.core.errors import InvalidInput

#: The largest file and the most rows one import takes (a province has a few thousand units and
#: procedures).
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000

Status = Literal["created", "changed", "unchanged"]
STATUS_TEXT: dict[str, str] = {
    "created": "tạo mới (created)",
    "changed": "thay đổi (changed)",
    "unchanged": "không đổi (unchanged)",
}


@dataclass(frozen=True)
class Row:
    """One row of the file: the line it starts on and its values by column (JSON values as
    parsed; CSV cells as stripped text, empty cells left out)."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class LineError:
    """What is wrong, where: ``line`` of the file (1 is a CSV file's header) and ``field`` (a
    column or key of the file), the reason in Vietnamese and in English."""

    line: int
    field: str | None
    vi: str
    en: str

    @property
    def detail(self) -> str:
        where_vi = f"Dòng {self.line}" + (f", trường {self.field}" if self.field else "")
        where_en = f"line {self.line}" + (f", field {self.field}" if self.field else "")
        return f"{where_vi}: {self.vi} ({where_en}: {self.en})"


class ImportRejected(InvalidInput):
    """The file has errors; nothing was written. ``errors`` lists them in the file's order."""

    code = "import-rejected"

    def __init__(self, errors: Sequence[LineError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        if len(self.errors) == 1:
            detail = self.errors[0].detail
        else:
            detail = (
                f"Tệp có {len(self.errors)} lỗi, không ghi gì vào cơ sở dữ liệu"
                f" (the file has {len(self.errors)} errors; nothing was written)"
            )
        super().__init__(
            detail,
            errors=[
                {"line": e.line, "field": e.field, "detail": e.detail} for e in self.errors[:200]
            ],
        )


def reject(line: int, field: str | None, vi: str, en: str) -> ImportRejected:
    return ImportRejected([LineError(line, field, vi, en)])


def split_detail(detail: str) -> tuple[str, str]:
    """A domain error's ``"Vietnamese (English)"`` detail as (Vietnamese, English)."""
    text = detail.strip()
    if text.endswith(")") and " (" in text:
        depth = 0
        for i in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                if i > 1 and text[i - 1] == " ":
                    return text[: i - 1], text[i + 1 : -1]
                break
    return text, text


# ------------------------------------------------------------------------------------- reading


def read_rows(
    data: bytes,
    filename: str,
    *,
    columns: Iterable[str],
    required: Iterable[str],
    what: tuple[str, str],
) -> tuple[list[Row], list[LineError]]:
    """The rows of a CSV or JSON file (by the file name's extension; otherwise by its first
    character), and the errors of rows that could not be read (a wrong number of cells, an item
    that is not an object, an unknown key), so that the caller reports them with its own.
    ``columns`` are the names allowed, ``required`` those a CSV header must have; ``what`` names
    a row in Vietnamese and English (``("đơn vị", "unit")``). An unreadable file raises."""
    allowed = tuple(columns)
    text = _decode(data)
    suffix = PurePath(filename).suffix.lower()
    is_json = suffix == ".json" or (suffix != ".csv" and text.lstrip()[:1] in ("[", "{"))
    rows, errors = _json_rows(text, what) if is_json else _csv_rows(text, allowed, tuple(required))
    if not rows and not errors:
        raise reject(1, None, "tệp không có dòng dữ liệu nào", "the file has no rows")
    if len(rows) > MAX_ROWS:
        raise reject(
            rows[MAX_ROWS].line,
            None,
            f"tối đa {MAX_ROWS} dòng mỗi lần nhập",
            f"at most {MAX_ROWS} rows per import",
        )
    if is_json:
        errors.extend(
            LineError(
                row.line,
                key,
                f"trường không được hỗ trợ; các trường có thể dùng: {', '.join(allowed)}",
                f"unknown field; the fields are: {', '.join(allowed)}",
            )
            for row in rows
            for key in row.values
            if key not in allowed
        )
        # Checked without their unknown keys, so their other errors are reported too.
        rows = [Row(r.line, {k: v for k, v in r.values.items() if k in allowed}) for r in rows]
    return rows, errors


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise reject(
            1,
            None,
            f"tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB",
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        raise reject(
            line,
            None,
            f"tệp không phải UTF-8 (byte 0x{byte:02X} không hợp lệ); hãy lưu lại tệp dưới dạng"
            " UTF-8 (trong Excel: CSV UTF-8)",
            f"the file is not UTF-8 (invalid byte 0x{byte:02X}); save it as UTF-8"
            " (in Excel: CSV UTF-8)",
        ) from exc
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise reject(line, None, "tệp chứa ký tự NUL", "the file contains a NUL character")
    return text


def _csv_rows(
    text: str, allowed: Sequence[str], required: Sequence[str]
) -> tuple[list[Row], list[LineError]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise reject(1, None, "tệp không có dòng tiêu đề", "the file has no header line")
        names = [nfc(h.strip()) for h in header]
        errors: list[LineError] = []
        seen: set[str] = set()
        for name in names:
            if name in seen:
                errors.append(LineError(1, name, "cột bị lặp lại", "the column appears twice"))
            elif name and name not in allowed:
                errors.append(
                    LineError(
                        1,
                        name,
                        f"cột không được hỗ trợ; các cột có thể dùng: {', '.join(allowed)}",
                        f"unknown column; the columns are: {', '.join(allowed)}",
                    )
                )
            seen.add(name)
        errors.extend(
            LineError(1, name, "thiếu cột bắt buộc", "a required column is missing")
            for name in required
            if name not in seen
        )
        if errors:
            raise ImportRejected(errors)
        rows: list[Row] = []
        end = reader.line_num
        for record in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                errors.append(
                    LineError(
                        start,
                        None,
                        f"dòng có {len(record)} ô, dòng tiêu đề có {len(names)} cột",
                        f"the row has {len(record)} cells, the header {len(names)} columns",
                    )
                )
                continue
            values = {
                name: nfc(cell.strip())
                for name, cell in zip(names, record, strict=True)
                if name and cell.strip()
            }
            rows.append(Row(start, values))
            if len(rows) > MAX_ROWS:
                break
    except csv.Error as exc:
        raise reject(
            reader.line_num, None, f"CSV không hợp lệ ({exc})", f"invalid CSV ({exc})"
        ) from exc
    return rows, errors


def _json_rows(text: str, what: tuple[str, str]) -> tuple[list[Row], list[LineError]]:
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as exc:
        raise reject(
            exc.lineno, None, f"JSON không hợp lệ ({exc.msg})", f"invalid JSON ({exc.msg})"
        ) from exc
    if not isinstance(whole, list):
        raise reject(
            1,
            None,
            f"tệp JSON phải là một danh sách (mảng) các {what[0]}, mỗi {what[0]} một đối tượng",
            f"a JSON file must be a list (array) of {what[1]} objects",
        )
    # json.loads gives no positions: walk the list again with raw_decode to find the line each
    # item starts on.
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0) + 1  # past "["
    rows: list[Row] = []
    errors: list[LineError] = []
    for n, item in enumerate(whole, start=1):
        pos = _skip_space(text, pos)
        line = text.count("\n", 0, pos) + 1
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip_space(text, pos) + 1  # past "," (or the closing "]")
        if not isinstance(item, dict):
            errors.append(
                LineError(
                    line,
                    None,
                    f"mục thứ {n} phải là một đối tượng {{...}}",
                    f"item {n} must be an object {{...}}",
                )
            )
            continue
        rows.append(Row(line, {nfc(str(k)): _nfc_value(v) for k, v in item.items()}))
    return rows, errors


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _nfc_value(value: Any) -> Any:
    if isinstance(value, str):
        value = nfc(value.strip())
        return value or None  # an empty string is "not given", as in a CSV file
    if isinstance(value, list):
        return [_nfc_value(v) for v in value]
    if isinstance(value, dict):
        return {nfc(str(k)): _nfc_value(v) for k, v in value.items()}
    return value


# ------------------------------------------------------------------------------ checking values

#: Pydantic error types in Vietnamese and English; others keep pydantic's English message.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("thiếu giá trị", "a value is required"),
    "string_too_short": ("không được để trống", "may not be empty"),
    "string_too_long": ("dài quá {max_length} ký tự", "longer than {max_length} characters"),
    "string_pattern_mismatch": ("sai định dạng", "not in the expected format"),
    "string_type": ("phải là chuỗi ký tự", "must be text"),
    "bool_type": ("phải là có/không", "must be true or false"),
    "bool_parsing": ("phải là có/không", "must be true or false"),
    "int_type": ("phải là số nguyên", "must be a whole number"),
    "int_parsing": ("phải là số nguyên", "must be a whole number"),
    "int_from_float": ("phải là số nguyên", "must be a whole number"),
    "decimal_parsing": ("phải là một số", "must be a number"),
    "decimal_type": ("phải là một số", "must be a number"),
    "decimal_max_places": (
        "quá {decimal_places} chữ số thập phân",
        "more than {decimal_places} decimal places",
    ),
    "decimal_max_digits": ("quá nhiều chữ số", "too many digits"),
    "greater_than": ("phải lớn hơn {gt}", "must be greater than {gt}"),
    "greater_than_equal": ("phải từ {ge} trở lên", "must be at least {ge}"),
    "less_than_equal": ("phải không quá {le}", "must be at most {le}"),
    "date_from_datetime_parsing": ("ngày không hợp lệ", "not a valid date"),
    "date_parsing": ("ngày không hợp lệ", "not a valid date"),
    "date_type": ("ngày không hợp lệ", "not a valid date"),
    "list_type": ("phải là một danh sách", "must be a list"),
    "too_short": ("phải có ít nhất {min_length} mục", "needs at least {min_length} items"),
    "too_long": ("tối đa {max_length} mục", "at most {max_length} items"),
    "extra_forbidden": ("trường không được hỗ trợ", "unknown field"),
    "literal_error": ("giá trị không hợp lệ; chọn {expected}", "invalid value; use {expected}"),
}


#: What a value in the wrong format should look like, by the file's field.
FORMAT_HINTS: dict[str, tuple[str, str]] = {
    "code": ("mã theo QCVN 102, ví dụ 000.00.00.H26", "a QCVN 102 code, e.g. 000.00.00.H26"),
    "parent_code": ("mã theo QCVN 102, ví dụ 000.00.00.H26", "a QCVN 102 code, e.g. 000.00.00.H26"),
    "hotline": ("số điện thoại, ví dụ 0222.3822.123", "a telephone number, e.g. 0222.3822.123"),
    "province": ("mã tỉnh, ví dụ H26", "a province code, e.g. H26"),
    "MaTTHC": ("mã thủ tục quốc gia, ví dụ 1.001193", "a national code, e.g. 1.001193"),
    "CoQuanThucHien": ("mã đơn vị theo QCVN 102", "QCVN 102 unit codes"),
}

#: The values a field takes, as the file may write them, by the field's last name.
CHOICES: dict[str, tuple[str, str]] = {
    "LoaiBan": ("bản chính, bản sao hoặc bản điện tử", "original, copy or electronic"),
    "DonViThoiHan": (
        "Ngày làm việc, Giờ làm việc, Ngày hoặc Trong ngày",
        "working_days, working_hours, calendar_days or same_day",
    ),
}


def validation_errors(
    exc: ValidationError,
    line: int,
    field_of: Callable[[tuple[str | int, ...]], str | None] | None = None,
) -> list[LineError]:
    """Pydantic's errors as line errors. ``field_of`` names the file's field of a location in the
    model; by default the first part of the location is the field."""
    out: list[LineError] = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        name = field_of(loc) if field_of else (str(loc[0]) if loc else None)
        ctx = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        vi, en = _MESSAGES.get(err["type"], ("giá trị không hợp lệ", str(err.get("msg", ""))))
        with contextlib.suppress(KeyError, IndexError):
            vi, en = vi.format(**ctx), en.format(**ctx)
        message = str(err.get("msg", "")).removeprefix("Value error, ")
        if err["type"] not in _MESSAGES and not message.isascii():
            vi, en = split_detail(message)  # a validator's own "Vietnamese (English)"
        hint = FORMAT_HINTS.get((name or "").split("[")[0])
        if err["type"] == "string_pattern_mismatch" and hint:
            vi, en = f"{vi}: cần {hint[0]}", f"{en}: expected {hint[1]}"
        choices = CHOICES.get((name or "").rsplit(".", 1)[-1])
        if err["type"] == "literal_error" and choices:
            vi, en = f"giá trị không hợp lệ; chọn {choices[0]}", f"invalid value; use {choices[1]}"
        out.append(LineError(line, name, vi, en))
    return out


def _plain(value: object) -> object:
    return value if isinstance(value, (int, float, str)) else str(value)


# --------------------------------------------------------------------------------------- report


@dataclass
class RowOutcome:
    line: int
    code: str
    status: Status
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do) to each row of the file."""

    kind: Literal["units", "procedures"]
    rows: list[RowOutcome]
    dry_run: bool

    def count(self, status: Status) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def changed_anything(self) -> bool:
        return any(r.status != "unchanged" for r in self.rows)

    def lines(self) -> list[str]:
        """The report as the command prints it, one line per row, then a summary."""
        width = max((len(r.code) for r in self.rows), default=0)
        out = []
        for r in self.rows:
            text = f"dòng {r.line:>5}  {r.code:<{width}}  {STATUS_TEXT[r.status]}"
            if r.changes:
                text += ": " + "; ".join(r.changes)
            out.append(text)
        created, changed, same = (self.count(s) for s in ("created", "changed", "unchanged"))
        out.append(
            f"Tạo mới {created}, thay đổi {changed}, không đổi {same}"
            f" (created {created}, changed {changed}, unchanged {same})"
        )
        if self.dry_run:
            out.append("Chạy thử: không ghi gì vào cơ sở dữ liệu (dry run: nothing was written)")
        elif not self.changed_anything:
            out.append(
                "Không có gì thay đổi: tệp này đã được nhập (nothing changed: the file was"
                " already imported)"
            )
        return out


def import_actor(filename: str) -> str:
    """Who the audit log names for an import: the file (``import:units.csv``)."""
    return f"import:{PurePath(filename).name[:100]}"


def summary_audit(report: ImportReport, filename: str) -> dict[str, Any]:
    """The detail of the audit entry one import that changed something writes."""
    return {
        "kind": report.kind,
        "file": PurePath(filename).name[:200],
        "created": report.count("created"),
        "changed": report.count("changed"),
        "unchanged": report.count("unchanged"),
    }


def bool_cell(value: Any) -> Any:
    """A yes/no cell (``có``/``không``, ``x``, ``true``/``false``, ``1``/``0``) as a bool; other
    values are returned as they are, for the schema to refuse."""
    if isinstance(value, str):
        return _BOOLS.get(value.strip().lower(), value)
    return value


_BOOLS = {
    "có": True,
    "x": True,
    "true": True,
    "1": True,
    "yes": True,
    "không": False,
    "false": False,
    "0": False,
    "no": False,
}


def alias(value: Any, aliases: Mapping[str, str]) -> Any:
    """A value given by one of its Vietnamese names (``Cấp tỉnh``) as the code's value."""
    if isinstance(value, str):
        key = " ".join(value.lower().split())
        return aliases.get(key, value)
    return value
