"""A process that only burns CPU, at a given pace: the floor of what any background work of that
cost takes from the intake on the same machine (``intake_bench.py --burner``).

    python bench/cpu_burner.py CORES

Each ``SLICE`` s it spins until its own CPU time has grown by ``CORES × SLICE`` s, then sleeps
the rest of the slice: on average it asks for ``CORES`` of one core, like a worker whose CPU that
is, and at a low priority it gets what the scheduler leaves it. It touches no database, socket
or file: whatever the intake loses to it is the price of the CPU alone.
"""

from __future__ import annotations

import sys
import time

#: Seconds of one pacing slice.
SLICE = 0.05


def burn(cores: float) -> None:
    while True:
        start, cpu = time.monotonic(), time.process_time()
        while time.process_time() - cpu < cores * SLICE and time.monotonic() - start < SLICE:
            pass
        time.sleep(max(0.0, SLICE - (time.monotonic() - start)))


if __name__ == "__main__":
    burn(float(sys.argv[1]))
