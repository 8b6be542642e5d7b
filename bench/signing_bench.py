"""Signing and signature-check benchmark.

    .venv/bin/python bench/signing_bench.py [-n 50]

Form 01 (the tests' sample receipt) is rendered once; then, N times each:
  * signing it as a unit would (PKCS#12 RSA-2048 key with its CA chain, PAdES-B-B, the visible
    Vietnamese stamp): ``Pkcs12Signer.sign``, the call the app makes in a worker thread at issue;
  * checking the signed PDF against the CA as trust root: ``verify_pdf``, the work of
    ``POST /api/v1/signatures/verify`` after the upload is read.
Rendering (WeasyPrint) and HTTP are left out. Targets: signing p95 ≤ 150 ms, checking p95 ≤ 200 ms.
The first call of each is a warm-up (the stamp font is cut down once per process) and is not
counted. Prints a Markdown table ready for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' CA and sample form

from tests.forms.samples import SAMPLES
from tests.signing.ca import PASSWORD, TestCA

from onestop.forms import render_pdf
from onestop.signing import pades
from onestop.signing.pkcs12 import Pkcs12Signer
from onestop.signing.signer import StampInfo
from onestop.signing.verify import TrustRoots, verify_pdf

UNIT = "Trung tâm Phục vụ hành chính công tỉnh Nghệ An"
TARGETS_MS = {"sign": 150.0, "verify": 200.0}


def timed(n: int, call: Callable[[], object]) -> list[float]:
    call()  # warm-up
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=50)
    args = parser.parse_args()
    ca = TestCA()
    issued = ca.issue(UNIT.upper(), UNIT)
    signer = Pkcs12Signer(issued.p12(), PASSWORD.encode(), font_path=pades.stamp_font_path())
    pdf = render_pdf("01", SAMPLES["01"])
    at = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    stamp = StampInfo(UNIT.upper(), UNIT, at)
    signed = signer.sign(pdf, stamp)
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"onestop-signing-bench-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    (folder / "ca.pem").write_bytes(ca.pem())
    roots = TrustRoots(folder).certificates()
    assert verify_pdf(signed, roots, at).valid, "the signed form does not verify"

    results = {
        "sign": timed(args.n, lambda: signer.sign(pdf, stamp)),
        "verify": timed(args.n, lambda: verify_pdf(signed, roots, at)),
    }
    load = os.getloadavg()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, load {load[0]:.1f}"
    )
    print(f"Form 01: {len(pdf):,} bytes unsigned, {len(signed):,} signed; N = {args.n}\n")
    print("| operation | p50 ms | p95 ms | max ms | target p95 | verdict |")
    print("|---|---|---|---|---|---|")
    failed = False
    for name, samples in results.items():
        ok = p95(samples) <= TARGETS_MS[name]
        failed |= not ok
        print(
            f"| {name} | {statistics.median(samples):.1f} | {p95(samples):.1f} |"
            f" {max(samples):.1f} | ≤ {TARGETS_MS[name]:.0f} | {'PASS' if ok else 'FAIL'} |"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
