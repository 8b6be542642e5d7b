"""The applicant's data kept out of what is stored about a failed call to the national portal.

A request to the portal carries the applicant's name, ID number, phone, e-mail and file names,
because the portal needs them; the portal's error message may echo any of them. A failure's
reason is kept on the message and shown to administrators, so it is stored with those values, and
any run of digits as long as a phone or ID number, masked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: Fields of a request's records that hold the applicant's personal data.
PERSONAL_FIELDS = ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email")
#: A file's name as sent may carry a name or a number too.
FILE_NAME_FIELD = ("TaiLieuNop", "TenTepDinhKem")
#: Runs of digits as long as a phone or ID number.
LONG_NUMBER = re.compile(r"\d{9,}")


def personal_values(body: dict[str, Any]) -> list[str]:
    """The personal values a request's records carry."""
    items = body.get("data", [])
    values = [str(item[key]) for item in items for key in PERSONAL_FIELDS if item.get(key)]
    files, name = FILE_NAME_FIELD
    values += [str(f[name]) for item in items for f in item.get(files) or [] if f.get(name)]
    return values


def scrub(reason: str, values: Sequence[str]) -> str:
    """The portal's message without the applicant's data it may echo (kept as the last error)."""
    for value in sorted(values, key=len, reverse=True):
        reason = reason.replace(value, "***")
    return LONG_NUMBER.sub("***", reason)
