"""The report's charts, drawn at build time by matplotlib (Agg) into SVG that is embedded inline.

Each chart comes with its title (the SVG's accessible name), a text summary and the table of
its numbers, so a reader without the picture loses nothing. Output is deterministic for the same
data: a fixed hash salt, no date in the metadata, and ids prefixed per chart so several charts
can share one page.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from html import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402  (the backend is chosen first)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

PALETTE = ("#1b6ca8", "#d1495b", "#2e8540", "#edae49", "#6b4c9a", "#00798c", "#8c564b", "#555555")
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^)"]+)')


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart with its accessible name, a summary, and its numbers as a table."""

    key: str
    title: str
    summary: str
    svg: str
    columns: list[str]
    rows: list[list[str]]


def _label(text: str) -> str:
    """Text as matplotlib prints it literally (a ``$`` would start mathematics)."""
    return text.replace("\\", "\\\\").replace("$", r"\$")


def _svg(fig: Figure, *, key: str, title: str) -> str:
    """The figure as an inline <svg> element: titled, labelled, scalable, ids unique to this chart."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"accord-{key}", "svg.fonttype": "none"}):
        fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg"):], flags=re.S)
    text = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", text)
    title_id = f"{key}-title"
    opening_end = text.index(">") + 1
    opening = re.sub(r'\s(width|height)="[^"]*"', "", text[:opening_end - 1])
    return (f'{opening} role="img" aria-labelledby="{title_id}" class="chart" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{title_id}">{escape(title)}</title>{text[opening_end:]}')


def _figure(height: float = 3.2) -> tuple[Figure, Axes]:
    # A Figure of its own, not pyplot's global state: charts may be drawn on several threads.
    fig = Figure(figsize=(7.5, height), dpi=72)
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def weekly_chart(*, key: str, title: str, weeks: list[date], series: dict[str, list[int]], unit: str) -> Chart:
    """One line per group: how many ``unit`` each week."""
    fig, ax = _figure()
    labels = [w.isoformat() for w in weeks]
    for i, (name, values) in enumerate(series.items()):
        ax.plot(range(len(weeks)), values, marker="o", linewidth=1.8, color=PALETTE[i % len(PALETTE)],
                label=_label(name))
    ax.set_xticks(range(len(weeks)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(unit)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    if series:
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    totals = {name: sum(values) for name, values in series.items()}
    summary = (f"{sum(totals.values())} {unit} over {len(weeks)} week(s): "
               + ", ".join(f"{name} {n}" for name, n in totals.items()) + ".") if weeks else f"No {unit} yet."
    rows = [[w] + [str(series[name][i]) for name in series] for i, w in enumerate(labels)]
    return Chart(key=key, title=title, summary=summary, svg=_svg(fig, key=key, title=title),
                 columns=["Week of", *series], rows=rows)


def balance_chart(*, key: str, title: str, bars: dict[str, tuple[int, int, int]], least: list[str]) -> Chart:
    """Horizontal bars per group: positions plus check-in answers per member (members, positions, answers)."""
    names = list(bars)
    per_member = [(p + a) / m if m else 0.0 for m, p, a in bars.values()]
    fig, ax = _figure(height=max(1.6, 0.45 * len(names) + 0.8))
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.grid(axis="y", visible=False)
    colors = [PALETTE[1] if name in least else PALETTE[0] for name in names]
    ax.barh(range(len(names)), per_member, color=colors)
    ax.set_yticks(range(len(names)), [_label(n) for n in names], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("positions and check-in answers per member")
    summary = ("Least heard: " + ", ".join(least) + ".") if least else "No group stands out as least heard."
    rows = [[name, str(m), str(p), str(a), f"{v:.2f}"] for (name, (m, p, a)), v in zip(bars.items(), per_member,
                                                                                       strict=True)]
    return Chart(key=key, title=title, summary=summary, svg=_svg(fig, key=key, title=title),
                 columns=["Group", "Members", "Positions", "Check-in answers", "Per member"], rows=rows)


def progress_chart(*, key: str, title: str, rows: list[tuple[str, dict[str, int]]]) -> Chart:
    """Stacked horizontal bars: commitments per status for each group (or decision, organisation)."""
    names = [name for name, _ in rows]
    statuses = ["done", "open", "blocked", "dropped"]
    colors = {"done": PALETTE[2], "open": PALETTE[0], "blocked": PALETTE[1], "dropped": "#999999"}
    fig, ax = _figure(height=max(1.6, 0.45 * len(names) + 0.9))
    ax.grid(axis="y", visible=False)
    left = [0] * len(names)
    for status in statuses:
        values = [counts.get(status, 0) for _, counts in rows]
        ax.barh(range(len(names)), values, left=left, color=colors[status], label=status)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(names)), [_label(n) for n in names], fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("commitments")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    done = sum(c.get("done", 0) for _, c in rows)
    total = sum(sum(c.values()) for _, c in rows)
    return Chart(key=key, title=title, summary=f"{done} of {total} commitments done.",
                 svg=_svg(fig, key=key, title=title), columns=["", *statuses],
                 rows=[[name, *(str(c.get(s, 0)) for s in statuses)] for name, c in rows])


def totals_chart(*, key: str, title: str, totals: dict[str, int], unit: str, heading: str) -> Chart:
    """Horizontal bars: one total per organisation (or any label)."""
    names = list(totals)
    fig, ax = _figure(height=max(1.6, 0.45 * len(names) + 0.8))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.barh(range(len(names)), list(totals.values()), color=PALETTE[0])
    ax.set_yticks(range(len(names)), [_label(n) for n in names], fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(unit)
    summary = ", ".join(f"{name} {n}" for name, n in totals.items()) + "."
    return Chart(key=key, title=title, summary=summary, svg=_svg(fig, key=key, title=title),
                 columns=[heading, unit.capitalize()], rows=[[name, str(n)] for name, n in totals.items()])
