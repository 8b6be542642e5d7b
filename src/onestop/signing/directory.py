"""Finds a unit's signer: ``<unit code>.p12`` in ``ONESTOP_SIGNING_DIR`` and its password in
``<unit code>.pass`` (first line; in ``ONESTOP_SIGNING_PASSWORD_DIR`` when set, else in the same
folder). No file for a unit: the unit does not sign, its forms are issued as before.

A loaded signer is kept while its two files are unchanged (size and modification time), so a
renewed certificate is picked up without a restart and a form's signature costs no file read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pyhanko.sign.timestamps import TimeStamper

from onestop.core.settings import Settings
from onestop.signing import pades
from onestop.signing.pkcs12 import Pkcs12Signer, UnreadableKeyFile
from onestop.signing.signer import Signer

KEY_SUFFIX = ".p12"
PASSWORD_SUFFIX = ".pass"  # noqa: S105 - a file name, not a password
#: A unit code as a file name: no folder separators, no leading dot.
_FILE_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_Stamp = tuple[int, int, int, int]  # size and mtime of the key file and of the password file


@dataclass
class _Loaded:
    stamp: _Stamp
    signer: Signer


class SignerDirectory:
    def __init__(
        self,
        folder: Path,
        *,
        password_folder: Path | None = None,
        font: str = "",
        tsa: TimeStamper | None = None,
    ) -> None:
        self.folder = folder
        self.password_folder = password_folder or folder
        self.font = font
        self.tsa = tsa
        self._loaded: dict[str, _Loaded] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> SignerDirectory | None:
        """None when ``ONESTOP_SIGNING_DIR`` is empty (nothing is signed)."""
        if not settings.signing_dir:
            return None
        return cls(
            Path(settings.signing_dir),
            password_folder=Path(settings.signing_password_dir or settings.signing_dir),
            font=settings.signing_stamp_font,
            tsa=pades.timestamper(settings.tsa_url, settings.tsa_timeout_seconds),
        )

    def signer_for(self, unit_code: str) -> Signer | None:
        """The unit's signer, None when it has no key file. ``UnreadableKeyFile`` when the file
        (or its password) is wrong; ``pades.SigningFailed`` when no stamp font is installed."""
        if not _FILE_SAFE.fullmatch(unit_code):
            return None
        key_file = self.folder / f"{unit_code}{KEY_SUFFIX}"
        password_file = self.password_folder / f"{unit_code}{PASSWORD_SUFFIX}"
        try:
            key_stat = key_file.stat()
        except FileNotFoundError:
            self._loaded.pop(unit_code, None)
            return None
        try:
            pw_stat = password_file.stat()
            pw = (pw_stat.st_size, pw_stat.st_mtime_ns)
        except FileNotFoundError:
            pw = (-1, -1)
        stamp = (key_stat.st_size, key_stat.st_mtime_ns, *pw)
        loaded = self._loaded.get(unit_code)
        if loaded is None or loaded.stamp != stamp:
            password = _first_line(password_file) if pw[0] >= 0 else None
            signer = Pkcs12Signer(
                key_file.read_bytes(),
                password,
                font_path=pades.stamp_font_path(self.font),
                tsa=self.tsa,
            )
            loaded = self._loaded[unit_code] = _Loaded(stamp, signer)
        return loaded.signer


def _first_line(path: Path) -> bytes:
    lines = path.read_bytes().splitlines()
    if not lines:
        raise UnreadableKeyFile(f"{path.name} is empty")
    return lines[0]
