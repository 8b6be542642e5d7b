"""Charts of the report pages, drawn on the server as SVG by matplotlib (its SVG backend, no GUI).

Why matplotlib and not a JavaScript library: the pages run under a strict CSP (no inline script or
style; see ``templating.CSP``), must print, and must work without JavaScript; matplotlib is a
well-kept library the project already uses (the bench charts), it needs no vendored file and the
figure is identical on screen and on paper. The SVG is embedded as a ``data:`` image (allowed by
``img-src 'self' data:``): an image document is isolated from the page, so matplotlib's inline
style attributes do not meet the page's ``style-src``. Each chart comes with its data table in the
page (screen readers, print); labels are Vietnamese, numbers use the decimal comma, and the
target line and the RAG status are also written as text, never shown by colour alone.

Figures are cached by their data (the same chart is drawn once per process).
"""

from __future__ import annotations

import base64
import io
from decimal import Decimal
from functools import lru_cache

import matplotlib

matplotlib.use("svg")

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

matplotlib.rcParams["svg.hashsalt"] = "onestop"  # stable element ids: identical bytes per data

#: Colours of the status bars: dark enough for text contrast ≥ 4.5:1 on white.
GREEN, AMBER, RED, GREY = "#1b6e3a", "#8a5300", "#b3261e", "#5f6b7a"
TONES = {"green": GREEN, "amber": AMBER, "red": RED}
#: Hatching tells the statuses apart without colour.
HATCHES = {"green": "", "amber": "//", "red": "xx"}


def percent(value: float) -> str:
    """``99,70 %``."""
    return f"{value:.2f}".replace(".", ",") + " %"


def _axis_percent(value: float, _pos: object) -> str:
    return f"{value:g}".replace(".", ",") + " %"


def _svg_data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def trend_svg(labels: tuple[str, ...], rates: tuple[Decimal | None, ...], target: Decimal) -> str:
    """The on-time rate per month (a line with markers; months without a finished dossier have
    no point) and the target as a dashed line."""
    return _trend(labels, tuple(None if r is None else float(r) for r in rates), float(target))


@lru_cache(maxsize=256)
def _trend(labels: tuple[str, ...], rates: tuple[float | None, ...], target: float) -> str:
    fig = Figure(figsize=(8, 2.8), dpi=96)
    ax = fig.add_subplot()
    xs = list(range(len(labels)))
    points = [(x, r) for x, r in zip(xs, rates, strict=True) if r is not None]
    if points:
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color="#1f4e8c")
    ax.axhline(target, color=RED, linestyle="--", linewidth=1)
    ax.text(
        len(labels) - 0.5, target, f"Chỉ tiêu {percent(target)}", ha="right", va="bottom", size=8
    )
    low = min([r for _x, r in points] + [target]) if points else target
    ax.set_ylim(max(0.0, low - 5), 100.5)
    ax.set_xticks(xs, labels, rotation=0, size=8)
    ax.yaxis.set_major_formatter(FuncFormatter(_axis_percent))
    ax.set_ylabel("Tỷ lệ đúng hạn")
    ax.grid(axis="y", color="#d0d5dd", linewidth=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg_data_uri(fig)


def bars_svg(
    labels: tuple[str, ...],
    rates: tuple[Decimal | None, ...],
    statuses: tuple[str | None, ...],
    target: Decimal,
) -> str:
    """Horizontal bars of the on-time rate per unit, coloured and hatched by status."""
    return _bars(
        labels, tuple(None if r is None else float(r) for r in rates), statuses, float(target)
    )


@lru_cache(maxsize=256)
def _bars(
    labels: tuple[str, ...],
    rates: tuple[float | None, ...],
    statuses: tuple[str | None, ...],
    target: float,
) -> str:
    fig = Figure(figsize=(8, 0.45 * max(len(labels), 2) + 0.8), dpi=96)
    ax = fig.add_subplot()
    ys = list(range(len(labels)))
    values = [r if r is not None else 0.0 for r in rates]
    for y, value, status in zip(ys, values, statuses, strict=True):
        ax.barh(
            y,
            value,
            color=TONES.get(status or "", GREY),
            hatch=HATCHES.get(status or "", ""),
            edgecolor="white",
        )
        text = percent(value) if rates[y] is not None else "chưa có hồ sơ"
        ax.text(min(value, 100) + 0.5, y, text, va="center", size=8)
    ax.axvline(target, color="#111111", linestyle="--", linewidth=1)
    ax.set_yticks(ys, labels, size=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.xaxis.set_major_formatter(FuncFormatter(_axis_percent))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg_data_uri(fig)
