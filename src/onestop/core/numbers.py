"""Numbers as a Vietnamese reader expects them: ``10``, ``0,5``, ``1,5``, ``12.345``.

One helper for every quantity a person reads (forms, web pages, CSV exports), in core so that every
layer can use it. Positional notation always: ``Decimal.normalize()`` prints 10 as ``1E+1``, and
``float`` formatting prints ``8.0`` with the English decimal point.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def number(value: int | float | Decimal | str, *, decimals: int | None = None, pad: int = 0) -> str:
    """``10``, ``0,5``, ``1,5``, ``12.345``: Vietnamese decimal comma, dot thousands separator,
    trailing fractional zeros dropped (or exactly ``decimals`` places when given). ``pad`` zero-pads
    a whole number to that many digits (``05`` on Form 01); a fraction is never padded."""
    if type(value) is int and decimals is None:  # counts: a report page prints thousands
        whole = str(abs(value))
        grouped = whole.zfill(pad) if len(whole) < pad else f"{abs(value):,}".replace(",", ".")
        return ("-" if value < 0 else "") + grouped
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"cannot print {value!r} as a number")
    if decimals is not None:
        amount = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    whole, _, fraction = f"{abs(amount):f}".partition(".")
    if decimals is None:
        fraction = fraction.rstrip("0")
    digits = int(whole)
    grouped = f"{digits:,}".replace(",", ".")
    if not fraction and len(whole) < pad:
        grouped = whole.zfill(pad)
    if sign and not fraction and digits == 0:
        sign = ""
    return sign + grouped + ("," + fraction if fraction else "")
