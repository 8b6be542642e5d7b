"""Applicant names: folding for search (no diacritics) and masking for public pages."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``"Nguyễn Văn Ân"`` → ``"nguyen van an"``: lower case, diacritics and đ removed, single
    spaces. Used for the stored search column and for the query alike."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


def mask(name: str) -> str:
    """``"Nguyễn Văn An"`` → ``"Nguyễn V*** A*"``: the family name stays; each other word keeps its
    initial (middle names ``***``, the given name ``*``), so the length leaks nothing."""
    words = name.split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0]}*"
    middle = [f"{w[0]}***" for w in words[1:-1]]
    return " ".join([words[0], *middle, f"{words[-1][0]}*"])
