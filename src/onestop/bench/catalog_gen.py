"""Synthetic catalog for ``onestop bench-data``: a province tree of units with QCVN-style codes,
procedures with dated versions and internal steps, and which units are competent for what.

Everything is plain rows (tuples in table-column order) so both loaders (PostgreSQL COPY, SQLite
executemany) insert the same data. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from onestop.catalog.models import DEFAULT_HOURS
from onestop.worktime import TimeLimit

FIELDS = [
    "Đất đai", "Hộ tịch", "Chứng thực", "Xây dựng", "Kinh doanh", "Giáo dục và Đào tạo",
    "Y tế", "Lao động", "Bảo trợ xã hội", "Tài nguyên nước", "Môi trường", "Giao thông vận tải",
    "Nông nghiệp", "Thương mại", "Văn hóa", "Du lịch", "Tư pháp", "Nội vụ", "Tài chính",
    "Công thương", "Khoa học và Công nghệ", "Thông tin và Truyền thông", "Dân tộc", "Tôn giáo",
    "Người có công",
]  # fmt: skip
DEPARTMENTS = [
    "Sở Tư pháp", "Sở Xây dựng", "Sở Tài chính", "Sở Nội vụ", "Sở Y tế", "Sở Giáo dục và Đào tạo",
    "Sở Công Thương", "Sở Nông nghiệp và Môi trường", "Sở Khoa học và Công nghệ",
    "Sở Văn hóa, Thể thao và Du lịch", "Sở Dân tộc và Tôn giáo", "Thanh tra tỉnh",
]  # fmt: skip
#: (amount, unit, weight) of the procedures' time limits.
LIMITS: list[tuple[float, str, float]] = [
    (1, "working_days", 0.10), (2, "working_days", 0.08), (3, "working_days", 0.12),
    (5, "working_days", 0.18), (7, "working_days", 0.08), (10, "working_days", 0.14),
    (12, "working_days", 0.05), (15, "working_days", 0.08), (20, "working_days", 0.05),
    (30, "working_days", 0.03), (4, "working_hours", 0.03), (8, "working_hours", 0.02),
    (15, "calendar_days", 0.02), (0, "same_day", 0.02),
]  # fmt: skip
EPOCH_FROM = dt.date(2020, 1, 1)
N_DEPARTMENTS = 30
FIRST_COMMUNE = 3 + N_DEPARTMENTS  # unit ids 1 root, 2 centre, 3.. departments, then communes


@dataclass
class Catalog:
    units: list[tuple[Any, ...]] = field(default_factory=list)
    procedures: list[tuple[Any, ...]] = field(default_factory=list)
    versions: list[tuple[Any, ...]] = field(default_factory=list)
    steps: list[tuple[Any, ...]] = field(default_factory=list)
    procedure_units: list[tuple[Any, ...]] = field(default_factory=list)
    # Arrays for the dossier generator (index = procedure id - 1, version id - 1, unit id - 1).
    proc_is_commune: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    proc_department: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    proc_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    proc_v1: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    proc_v2: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # 0: none
    proc_v2_from: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[D]"))
    version_limit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    version_budget: np.ndarray = field(default_factory=lambda: np.zeros(0))
    commune_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    commune_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    limits: list[TimeLimit] = field(default_factory=list)


def unit_code(uid: int) -> str:
    """QCVN 102:2016-style codes ``XXX.YY.ZZ.H99``: province-level bodies under ``000.00``,
    communes numbered by group."""
    if uid == 1:
        return "000.00.00.H99"
    if uid == 2:
        return "000.00.01.H99"
    if uid < FIRST_COMMUNE:
        return f"000.00.{uid + 7:02d}.H99"
    i = uid - FIRST_COMMUNE
    return f"{i // 100 + 1:03d}.{(i // 10) % 10 + 1:02d}.{i % 10 + 20:02d}.H99"


def build_catalog(
    rng: np.random.Generator, *, n_units: int, n_procedures: int, start: dt.date, end: dt.date
) -> Catalog:
    if n_units < FIRST_COMMUNE + 1:
        raise ValueError(f"need at least {FIRST_COMMUNE + 1} units")
    created = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    c = Catalog()
    for uid in range(1, n_units + 1):
        if uid == 1:
            level, name, parent, path = "province", "UBND tỉnh Bench", None, "/1/"
        elif uid == 2:
            level, name, parent, path = "centre", "Trung tâm Phục vụ hành chính công", 1, "/1/2/"
        elif uid < FIRST_COMMUNE:
            level, parent, path = "department", 1, f"/1/{uid}/"
            k = uid - 3
            name = DEPARTMENTS[k] if k < len(DEPARTMENTS) else f"Ban ngành số {k + 1}"
        else:
            level, name, parent, path = "commune", f"UBND xã số {uid - FIRST_COMMUNE + 1}", 1, ""
            path = f"/1/{uid}/"
        c.units.append(
            (uid, unit_code(uid), name, level, parent, path, None, DEFAULT_HOURS,
             level in ("centre", "commune"), None, 1.0, 99.70, True, created)
        )  # fmt: skip
    c.commune_ids = np.arange(FIRST_COMMUNE, n_units + 1, dtype=np.int32)
    c.commune_weight = rng.lognormal(0, 0.6, c.commune_ids.size)
    c.commune_weight /= c.commune_weight.sum()

    c.limits = [TimeLimit(a, u) for a, u, _ in LIMITS]
    limit_p = np.array([w for *_, w in LIMITS])
    n_dept_procs = n_procedures * 2 // 5
    c.proc_is_commune = np.arange(n_procedures) >= n_dept_procs
    c.proc_department = (3 + np.arange(n_procedures) % N_DEPARTMENTS).astype(np.int32)
    c.proc_weight = rng.pareto(1.2, n_procedures) + 0.05
    c.proc_weight[c.proc_is_commune] *= 3
    c.proc_weight /= c.proc_weight.sum()
    c.proc_v1 = np.zeros(n_procedures, np.int32)
    c.proc_v2 = np.zeros(n_procedures, np.int32)
    c.proc_v2_from = np.full(n_procedures, np.datetime64("2100-01-01"), "datetime64[D]")
    limits: list[int] = []
    budgets: list[float] = []
    span = (end - start).days
    vid = 0
    for p in range(n_procedures):
        pid = p + 1
        commune = bool(c.proc_is_commune[p])
        fld = FIELDS[p % len(FIELDS)]
        c.procedures.append(
            (pid, f"{1 + p % 3}.{pid:06d}", f"Thủ tục hành chính số {pid} lĩnh vực {fld}", fld,
             f"F{p % len(FIELDS) + 1:02d}", "commune" if commune else "province", True, created)
        )  # fmt: skip
        if commune:
            c.procedure_units.extend((pid, int(u)) for u in c.commune_ids)
        else:
            c.procedure_units.append((pid, int(c.proc_department[p])))
        n_versions = 2 if rng.random() < 0.2 else 1
        for v in range(n_versions):
            vid += 1
            li = int(rng.choice(len(LIMITS), p=limit_p))
            if v == 0:
                eff = EPOCH_FROM
                c.proc_v1[p] = vid
            else:
                eff = start + dt.timedelta(days=int(rng.integers(span // 5, span * 4 // 5)))
                c.proc_v2[p], c.proc_v2_from[p] = vid, np.datetime64(eff)
            amount, unit, _ = LIMITS[li]
            hours = amount * 8 if unit == "working_days" else amount
            hours = hours if unit in ("working_days", "working_hours") else 8.0
            budget = max(round(hours * 0.8, 2), 0.5)
            limits.append(li)
            budgets.append(budget)
            c.versions.append(
                (vid, pid, eff, amount, unit, dt.time(15) if unit == "same_day" else None,
                 "pause", 1, f"Quyết định số {pid}/QĐ-UBND", [], [], created)
            )  # fmt: skip
            for seq, name, role, hrs in (
                (1, "Tiếp nhận hồ sơ", "reception", min(0.5, budget)),
                (2, "Thẩm định, giải quyết", "competent", budget),
                (3, "Trả kết quả", "return", min(0.5, budget)),
            ):
                c.steps.append((len(c.steps) + 1, vid, seq, name, role, None, hrs))
    c.version_limit = np.array(limits, np.int16)
    c.version_budget = np.array(budgets)
    return c
