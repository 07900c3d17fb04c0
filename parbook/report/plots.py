"""Charts of the report in one shared seaborn style (its rc parameters: seaborn is not imported),
with a font that has every Vietnamese glyph.

Figures are plain ``matplotlib.figure.Figure`` objects (no pyplot state): notebooks show them with
``parbook.report.notebook.show_chart``, which embeds a PNG. The font is "Liberation Serif" (metric
clone of Times New Roman, the NĐ 30/2020 typeface), falling back to "DejaVu Serif"; both cover
ư ơ ạ ế and the rest of Vietnamese.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from parbook import vnformat

FONT_FAMILY = ["Liberation Serif", "DejaVu Serif"]
PALETTE = ["#1f4e79", "#c0504d", "#9bbb59", "#f79646", "#8064a2", "#4bacc6"]
MAIN, ALERT, GOOD = PALETTE[0], PALETTE[1], PALETTE[2]
WIDTH_IN = 6.3      # the text width of an A4 page with NĐ 30 margins (≈ 160 mm)
DPI = 150


# What seaborn's ``axes_style("whitegrid")`` and ``plotting_context("paper", font_scale=1.15)`` set
# (seaborn 0.13), written out: importing seaborn (and scipy.stats with it) costs the kernel seconds
# for nothing else. tests/report/test_plots.py checks it equals seaborn's own.
SEABORN_RC: dict[str, Any] = {
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15", "axes.axisbelow": True,
    "grid.linestyle": "-", "text.color": ".15", "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "image.cmap": "rocket", "xtick.top": False, "ytick.right": False, "axes.grid": True,
    "axes.facecolor": "white", "axes.edgecolor": ".8", "grid.color": ".8",
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True,
    "axes.spines.top": True, "xtick.bottom": False, "ytick.left": False,
    "axes.linewidth": 1.0, "grid.linewidth": 0.8, "lines.linewidth": 1.2000000000000002,
    "lines.markersize": 4.800000000000001, "patch.linewidth": 0.8, "xtick.major.width": 1.0,
    "ytick.major.width": 1.0, "xtick.minor.width": 0.8, "ytick.minor.width": 0.8,
    "xtick.major.size": 4.800000000000001, "ytick.major.size": 4.800000000000001,
    "xtick.minor.size": 3.2, "ytick.minor.size": 3.2, "font.size": 11.040000000000001,
    "axes.labelsize": 11.040000000000001, "axes.titlesize": 11.040000000000001,
    "xtick.labelsize": 10.12, "ytick.labelsize": 10.12, "legend.fontsize": 10.12,
    "legend.title_fontsize": 11.040000000000001,
}


# a sample of the letters a chart font must have (Latin Extended-B and Extended Additional)
VIETNAMESE_SAMPLE = "ư ơ ạ ế ố ồ ự ừ ỹ đ Ư Ơ Ạ Ế Ố Đ"


def covers_vietnamese(path: str) -> bool:
    """The font file has a glyph for every letter of VIETNAMESE_SAMPLE."""
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(path).get_charmap()
    return all(ord(c) in charmap for c in VIETNAMESE_SAMPLE if not c.isspace())


@functools.cache
def _vietnamese_fonts_only() -> None:
    """Drop from matplotlib's font list the files of FONT_FAMILY without Vietnamese: a machine
    may hold Liberation 1.x (Debian's fonts-liberation, pulled in by Chromium or LibreOffice)
    beside Liberation 2 under the same name, and matplotlib picked the first, which lacks ư, ố…
    (charts then drew empty boxes). Once per process."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    kept = [f for f in manager.ttflist if f.name not in FONT_FAMILY or covers_vietnamese(f.fname)]
    if len(kept) != len(manager.ttflist):
        manager.ttflist = kept
        cached = getattr(manager, "_findfont_cached", None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


def style() -> dict[str, Any]:
    """The rc parameters of every parbook chart (seaborn whitegrid + Vietnamese-capable serif)."""
    _vietnamese_fonts_only()
    # image.cmap ("rocket") is a colormap seaborn registers when imported; the charts draw no
    # image, so matplotlib's default stays
    rc = {k: v for k, v in SEABORN_RC.items() if k != "image.cmap"}
    rc.update({
        "font.family": "serif",
        "font.serif": FONT_FAMILY,
        "axes.titleweight": "bold",
        "axes.titlesize": 11,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
    })
    return rc


@contextmanager
def styled() -> Iterator[None]:
    """Build figures inside this context to get the shared style."""
    with matplotlib.rc_context(style()):
        yield


def _figure(height: float = 3.0) -> tuple[Figure, Any]:
    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    return fig, fig.add_subplot()


def _percent_axis(axis: Any) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: vnformat.percent(v, 0)))


def _empty(ax: Any, text: str = "Không có dữ liệu trong kỳ") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def month_labels(months: list[Any]) -> list[str]:
    r"""Short axis labels: 'T12' with the year under the first month and under every January.

    >>> import pandas as pd
    >>> month_labels([pd.Period("2023-12"), pd.Period("2024-01"), pd.Period("2024-02")])
    ['T12\n2023', 'T1\n2024', 'T2']
    """
    out, year = [], None
    for m in months:
        if not (hasattr(m, "month") and hasattr(m, "year")):
            out.append(str(m))
            continue
        out.append(f"T{m.month}" + (f"\n{m.year}" if m.year != year else ""))
        year = m.year
    return out


def month_axis_label(window_kind: str) -> str:
    """What a month of the chart is: an NĐ 09/2019 reporting month, or a calendar month."""
    if window_kind == "nd09":
        return "Tháng báo cáo (từ ngày 15 tháng trước đến ngày 14), theo ngày có kết quả"
    return "Tháng, theo ngày có kết quả"


def ontime_chart(monthly: pd.DataFrame, target: float, window_kind: str = "nd09") -> Figure:
    """Bars of the monthly on-time rate against the target line (the caption is the report's).

    ``monthly``: columns month (Period), value (rate), denominator (settled dossiers), as
    ``parbook.analysis.indicators.ontime_by_month`` gives them; months without settlements are skipped.
    """
    with styled():
        fig, ax = _figure(3.2)
        data = monthly[monthly["denominator"] > 0] if not monthly.empty else monthly
        if data.empty:
            _empty(ax)
        else:
            labels = month_labels(list(data["month"]))
            rates = [float(v) for v in data["value"]]
            colors = [MAIN if r >= target else ALERT for r in rates]
            ax.bar(range(len(rates)), rates, color=colors, width=0.6)
            ax.set_xticks(range(len(rates)), labels, fontsize=8)
            for x, rate in enumerate(rates):
                ax.annotate(vnformat.percent(rate), (x, rate), ha="center", va="bottom",
                            fontsize=6.5, xytext=(0, 2), textcoords="offset points")
            ax.axhline(target, color=ALERT, linestyle="--", linewidth=1.2,
                       label=f"Mục tiêu {vnformat.percent(target, 0)}")
            bottom = max(0.0, min(min(rates), target) - 0.1)
            ax.set_ylim(bottom, 1.08)
            ax.set_yticks([t for t in ax.get_yticks() if bottom <= t <= 1.0 + 1e-9])
            _percent_axis(ax.yaxis)
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax.set_xlabel(month_axis_label(window_kind))
        ax.set_ylabel("Tỷ lệ")
    return fig


def channels_chart(counts: pd.DataFrame) -> Figure:
    """Horizontal bars of dossiers per channel (parbook.analysis.chartdata.channel_counts)."""
    with styled():
        fig, ax = _figure(2.4)
        if counts.empty:
            _empty(ax)
        else:
            ax.barh(counts["channel"], counts["count"], color=PALETTE[: len(counts)])
            for y, (n, share) in enumerate(zip(counts["count"], counts["share"], strict=True)):
                ax.annotate(f" {vnformat.number(n)} ({vnformat.percent(share)})", (n, y),
                            va="center", fontsize=8)
            ax.invert_yaxis()
            ax.set_xlim(0, float(counts["count"].max()) * 1.3)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Số hồ sơ")
    return fig


def late_by_field_chart(frame: pd.DataFrame) -> Figure:
    """Stacked bars per field: settled late and pending overdue (chartdata.late_by_field)."""
    with styled():
        fig, ax = _figure(max(2.2, 0.45 * len(frame) + 1.2))
        if frame.empty:
            _empty(ax, "Không có hồ sơ trễ hạn")
        else:
            ax.barh(frame["field"], frame["settled_late"], color=ALERT, label="Đã giải quyết quá hạn")
            ax.barh(frame["field"], frame["pending_overdue"], left=frame["settled_late"],
                    color=PALETTE[3], label="Đang giải quyết quá hạn")
            ax.invert_yaxis()
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(loc="lower right")
        ax.set_xlabel("Số hồ sơ")
    return fig


def satisfaction_chart(by_element: pd.DataFrame, target: float | None = None, label: str = "name_vi",
                       value: str = "rate", count: str = "n_ratings") -> Figure:
    """Horizontal bars of the share of ratings ≥ 4 per element.

    ``by_element``: one row per element with its name, share and number of ratings, as
    ``parbook.analysis.satisfaction.satisfaction_by_element`` gives them; elements without ratings are
    skipped.
    """
    with styled():
        fig, ax = _figure(2.6)
        data = by_element[by_element[count] > 0] if not by_element.empty else by_element
        if data.empty:
            _empty(ax, "Chưa có phiếu đánh giá trong kỳ")
        else:
            ax.barh(data[label].astype(str), data[value], color=MAIN)
            for y, share in enumerate(data[value]):
                ax.annotate(f" {vnformat.percent(share)}", (share, y), va="center", fontsize=8)
            if target is not None:
                ax.axvline(target, color=ALERT, linestyle="--", linewidth=1.2,
                           label=f"Mục tiêu {vnformat.percent(target, 0)}")
                ax.legend(loc="lower left")
            ax.set_xlim(0, 1.12)
            ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
            ax.invert_yaxis()
            _percent_axis(ax.xaxis)
    return fig


def criteria_gaps_chart(frame: pd.DataFrame, label: str = "name", gap: str = "gap") -> Figure:
    """Horizontal bars of the points missing per criterion (largest first)."""
    with styled():
        fig, ax = _figure(max(2.2, 0.4 * len(frame) + 1.2))
        data = frame[frame[gap] > 0] if not frame.empty else frame
        if data.empty:
            _empty(ax, "Không có tiêu chí bị trừ điểm")
        else:
            labels = [str(x) if len(str(x)) <= 55 else str(x)[:52] + "…" for x in data[label]]
            ax.barh(labels, data[gap], color=ALERT)
            for y, g in enumerate(data[gap]):
                ax.annotate(f" {vnformat.number(g, 1)}", (g, y), va="center", fontsize=8)
            ax.invert_yaxis()
            ax.set_xlim(0, float(data[gap].max()) * 1.2)
        ax.set_xlabel("Số điểm còn thiếu")
    return fig


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (deterministic: no software/date metadata)."""
    buf = io.BytesIO()
    with styled():  # fonts of generic families resolve at draw time
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
