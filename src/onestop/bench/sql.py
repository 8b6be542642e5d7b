"""The SQL that turns the staged NumPy columns (table ``bench_stage``) into the application's
rows. One text for both backends where possible; ``{dialect}`` differences are small helpers."""

from __future__ import annotations

from onestop.bench.dossier_gen import SLOTS

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô"]  # fmt: skip
FAMILY_A = ["nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui",
            "do", "ho", "ngo"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Quốc", "Hữu", "Thanh", "Gia"]
MIDDLE_A = ["van", "thi", "minh", "ngoc", "duc", "thu", "quoc", "huu", "thanh", "gia"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm", "Yến"]  # fmt: skip
GIVEN_A = ["an", "binh", "chau", "dung", "giang", "ha", "hai", "hanh", "hung", "khanh", "lan",
           "linh", "long", "mai", "nam", "phuc", "quan", "son", "tam", "yen"]  # fmt: skip
CHANNELS = ["counter", "online", "postal"]
TIMINGS = [None, "early", "on_time", "late"]
LEVELS = [None, "rat_hai_long", "hai_long", "khong_hai_long"]
RATING_CHANNELS = ["portal", "kiosk", "counter"]
#: Rows of ``dossier_event`` get ``id = dossier_id * EVENT_STRIDE + seq``.
EVENT_STRIDE = 16


def _pick(values: list[str], expr: str, pg: bool) -> str:
    """``values[expr % len]`` as SQL (a CASE on SQLite, an array subscript on PostgreSQL)."""
    if pg:
        quoted = ",".join("'" + v.replace("'", "''") + "'" for v in values)
        return f"(ARRAY[{quoted}])[1 + ({expr}) % {len(values)}]"
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {whens} END)"


def _case(column: str, values: list[str | None]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values) if v is not None)
    return f"(CASE {column} {whens} END)"


def dossier_insert(pg: bool) -> str:
    name = (
        f"{_pick(FAMILY, 's.id', pg)} || ' ' || {_pick(MIDDLE, 's.id / 14', pg)}"
        f" || ' ' || {_pick(GIVEN, 's.id / 140', pg)}"
    )
    search = (
        f"{_pick(FAMILY_A, 's.id', pg)} || ' ' || {_pick(MIDDLE_A, 's.id / 14', pg)}"
        f" || ' ' || {_pick(GIVEN_A, 's.id / 140', pg)}"
    )
    if pg:
        ymd = (
            "to_char(COALESCE(s.received_at, s.submitted_at) AT TIME ZONE 'Asia/Ho_Chi_Minh',"
            " 'YYMMDD')"
        )
        num = "lpad(s.id::text, 8, '0')"
        phone = "'09' || lpad((s.id % 100000000)::text, 8, '0')"
        id_no = "'0012' || lpad((s.id % 100000000)::text, 8, '0')"
        secret = "'bench$' || s.id::text"  # noqa: S105
        cur = "CASE WHEN s.ended_at IS NULL THEN s.competent_unit_id END"
        seq = "CASE WHEN s.ended_at IS NULL THEN 1 END"
        fee = "0"
        budget = "s.budget::numeric(8,2)"
    else:
        ymd = "substr(strftime('%Y%m%d', COALESCE(s.received_at, s.submitted_at), '+7 hours'), 3)"
        num = "printf('%08d', s.id)"
        phone = "printf('09%08d', s.id % 100000000)"
        id_no = "printf('0012%08d', s.id % 100000000)"
        secret = "'bench$' || s.id"  # noqa: S105
        cur = "CASE WHEN s.ended_at IS NULL THEN s.competent_unit_id END"
        seq = "CASE WHEN s.ended_at IS NULL THEN 1 END"
        fee = "0"
        budget = "s.budget"
    del budget
    return f"""
INSERT INTO dossier (id, code, portal_ref, procedure_id, procedure_version_id, receiving_unit_id,
  competent_unit_id, returning_unit_id, current_unit_id, current_step_seq, handler_id, channel,
  status, applicant_name, applicant_search, applicant_kind, applicant_id_number, applicant_phone,
  applicant_email, applicant_address, submitted_at, received_at, accept_due_at, due_at_original,
  due_at, appointment_at, finished_at, returned_at, ended_at, calendar_fingerprint,
  pause_started_at, pause_ended_at, supplement_count, reception_supplement_count,
  awaiting_supplement, late_flag,
  reappointment_count, timing, result, end_reason, return_method, quantity, documents, fees,
  fee_total, note, secret_hash, event_count, version, created_at, updated_at)
SELECT s.id, u.code || '-' || {ymd} || '-' || {num}, NULL, s.procedure_id, s.version_id,
  s.receiving_unit_id, s.competent_unit_id, s.receiving_unit_id, {cur}, {seq}, NULL,
  {_case("s.channel", list(CHANNELS))}, s.status, {name}, {search}, 'citizen', {id_no}, {phone},
  NULL, 'Xã số ' || s.competent_unit_id, s.submitted_at, s.received_at, s.accept_due_at,
  s.due_at_original, s.due_at, s.appointment_at, s.finished_at, s.returned_at, s.ended_at, NULL,
  s.pause_start, s.pause_end, s.supplement_count, 0, s.awaiting, {"false" if pg else "0"},
  CASE WHEN s.e_apology > 0 THEN 1 ELSE 0 END, {_case("s.timing", list(TIMINGS))},
  CASE WHEN s.finished_at IS NOT NULL THEN 'approved' END,
  CASE s.status WHEN 3 THEN 'Hồ sơ không đủ điều kiện' WHEN 7 THEN 'Công dân rút hồ sơ'
    WHEN 8 THEN 'Dừng xử lý' END,
  'counter', 1, '[]', '[]', {fee}, NULL, {secret}, s.event_count, 1,
  s.submitted_at, COALESCE(s.ended_at, s.received_at, s.submitted_at)
FROM bench_stage s JOIN unit u ON u.id = s.receiving_unit_id
"""  # noqa: S608


def event_insert(pg: bool, lo: int | None = None, hi: int | None = None) -> str:
    """One INSERT … SELECT per event slot would scan the stage ten times; a lateral VALUES list
    emits all slots in one pass."""
    rows = []
    for slot, typ, frm, to in SLOTS:
        at = {
            "submit": "s.submitted_at",
            "receive": "s.received_at",
            "refuse": "s.ended_at",
            "assign": "s.received_at",
            "supreq": "s.pause_start",
            "suprec": "s.pause_end",
            "apology": "s.apology_at",
            "finish": "s.finished_at",
            "return": "COALESCE(s.returned_at, s.finished_at)",
            "end": "s.ended_at",
        }[slot]
        t, f, st = f"'{typ}'", str(frm) if frm is not None else "NULL", str(to)
        if slot == "receive":
            t = "CASE WHEN s.channel > 0 THEN 'accept' ELSE 'receive' END"
            f = "CASE WHEN s.channel > 0 THEN 1 END"
        elif slot == "return":
            f = "CASE WHEN s.jump THEN 4 ELSE 9 END"
        elif slot == "end":
            t = "CASE WHEN s.status = 8 THEN 'stop' ELSE 'withdraw' END"
            st = "s.status"
        unit = (
            "s.receiving_unit_id"
            if slot in ("submit", "receive", "refuse", "return")
            else ("s.competent_unit_id")
        )
        rows.append(f"(s.e_{slot}, {t}, {at}, {unit}, {f}, {st})")
    where = "" if lo is None else f" AND s.id BETWEEN {lo} AND {hi}"
    values = ",\n    ".join(rows)
    cast = "::smallint" if pg else ""
    return (
        f"""
INSERT INTO dossier_event (id, dossier_id, seq, type, at, recorded_at, actor, unit_id,
  from_status, to_status, payload)
SELECT s.id * {EVENT_STRIDE} + e.seq, s.id, e.seq, e.type, e.at, e.at, 'user:bench', e.unit_id,
  e.from_status{cast}, e.to_status{cast}, '{{}}'
FROM bench_stage s CROSS JOIN LATERAL (VALUES
    {values}
) AS e(seq, type, at, unit_id, from_status, to_status)
WHERE e.seq > 0{where}
"""  # noqa: S608
        if pg
        else _event_insert_sqlite(rows)
    )


def _event_insert_sqlite(rows: list[str]) -> str:
    parts = []
    for row in rows:
        seq, typ, at, unit, frm, to = _split(row)
        parts.append(
            f"SELECT s.id * {EVENT_STRIDE} + {seq}, s.id, {seq}, {typ}, {at}, {at}, 'user:bench',"  # noqa: S608
            f" {unit}, {frm}, {to}, '{{}}' FROM bench_stage s WHERE {seq} > 0"
        )
    return (
        "INSERT INTO dossier_event (id, dossier_id, seq, type, at, recorded_at, actor, unit_id,"
        " from_status, to_status, payload)\n" + "\nUNION ALL ".join(parts)
    )


def _split(row: str) -> list[str]:
    """Split ``(a, b, CASE … END, …)`` at top-level commas."""
    inner, depth, cur, out = row[1:-1], 0, "", []
    for ch in inner:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


def step_insert(pg: bool) -> str:
    outcome = (
        "CASE WHEN s.finished_at IS NULL THEN NULL WHEN s.timing = 3 THEN 'late'"
        " WHEN s.timing = 1 THEN 'early' ELSE 'on_time' END"
    )
    budget = "s.budget::numeric(8,2)" if pg else "s.budget"
    return f"""
INSERT INTO dossier_step (id, dossier_id, seq, name, kind, procedure_step_seq, unit_id,
  from_unit_id, handler_id, handed_by, started_at, budget_hours, due_at, ended_at, outcome, note)
SELECT s.id, s.id, 1, 'Thẩm định, giải quyết', 'competent', 2, s.competent_unit_id,
  s.receiving_unit_id, NULL, 'user:bench', s.received_at, {budget}, s.due_at, s.ended_at,
  {outcome}, NULL
FROM bench_stage s WHERE s.received_at IS NOT NULL
"""  # noqa: S608


PAUSE_INSERT = """
INSERT INTO dossier_pause (id, dossier_id, kind, started_at, ended_at, started_event_seq,
  ended_event_seq)
SELECT s.id, s.id, 'supplement', s.pause_start, s.pause_end, s.e_supreq,
  CASE WHEN s.e_suprec > 0 THEN s.e_suprec END
FROM bench_stage s WHERE s.e_supreq > 0
"""


def apology_insert(pg: bool) -> str:
    year = (
        "extract(year FROM s.apology_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::int"
        if pg
        else "CAST(strftime('%Y', s.apology_at, '+7 hours') AS INTEGER)"
    )
    on_time = (
        "s.due_at - s.apology_at >= interval '1 day'"
        if pg
        else ("julianday(s.due_at) - julianday(s.apology_at) >= 1")
    )
    return f"""
INSERT INTO dossier_apology (id, dossier_id, number, event_seq, letter_number, year,
  issuing_unit_id, reason, previous_appointment_at, new_appointment_at, due_at, signer_user_id,
  signer_name, signer_title, issued_at, on_time, recorded_at)
SELECT a.id, a.id, 1, a.e_apology, a.n || '/PXL', a.year, a.competent_unit_id,
  'Hồ sơ cần thêm thời gian thẩm định', a.due_at, a.appointment_at, a.due_at, NULL,
  'Nguyễn Văn Lãnh Đạo', 'Chủ tịch', a.apology_at, a.on_time, a.apology_at
FROM (
  SELECT s.id, s.e_apology, s.competent_unit_id, s.due_at, s.appointment_at, s.apology_at,
    {year} AS year, {on_time} AS on_time,
    row_number() OVER (PARTITION BY s.competent_unit_id, {year} ORDER BY s.apology_at, s.id) AS n
  FROM bench_stage s WHERE s.e_apology > 0
) a
"""  # noqa: S608


def rating_insert(pg: bool) -> str:
    del pg
    return f"""
INSERT INTO report_rating (id, dossier_id, unit_id, procedure_id, level, comment, channel,
  given_by, at)
SELECT s.id, s.id, s.competent_unit_id, s.procedure_id, {_case("s.rating", list(LEVELS))},
  CASE WHEN s.rating = 3 THEN 'Chờ lâu, hướng dẫn chưa rõ' END,
  {_case("s.id % 3", list(RATING_CHANNELS))}, 'citizen', s.rating_at
FROM bench_stage s WHERE s.rating > 0
"""  # noqa: S608
