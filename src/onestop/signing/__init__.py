"""Digital signatures of the documents the service issues (PAdES, with pyHanko), and the check of
a signed PDF anyone may upload.

A unit signs with a ``Signer`` (``signing.signer``); the one built is a PKCS#12 file per unit
(``signing.pkcs12``, found by ``signing.directory``). A hardware token (PKCS#11) or a remote
signing service would implement the same protocol: docs/signatures.md. ``signing.service`` decides
whether an issued PDF is signed and refuses a certificate that is expired or not the unit's;
``signing.verify`` reports on every signature of a PDF.
"""

import warnings

from cryptography.utils import CryptographyDeprecationWarning

# pyHanko imports cryptography's DSA key type, which warns when imported: a line of plain text on
# the server's standard error before logging is set up. onestop never signs or checks with DSA.
warnings.filterwarnings(
    "ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning
)
