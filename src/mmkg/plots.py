"""Pictures of a leaderboard: the best value over time and value against parameter count,
every point labelled with its checkpoint (matplotlib, an optional extra)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from mmkg.errors import EnvironmentProblem, InputError


def _point(rec: dict[str, Any]) -> tuple[str, float, int | None, float | None]:
    from mmkg.formats import short

    label = short(rec["variant"]).split(":", 1)[-1]
    value = float(rec["value"].value)
    params = int(rec["params"].value) if rec.get("params") is not None else None
    when = None
    if rec.get("date") is not None:
        parts = rec["date"].value.split("-")
        when = int(parts[0]) + ((int(parts[1]) - 1) / 12 if len(parts) > 1 else 0.5)
    return label, value, params, when


def plot_leaderboard(table: Any, path: str | Path, *, benchmark: str, higher_is_better: bool = True) -> str:
    """Draw the first group of ``table`` (a leaderboard: one metric, split, setting, direction)
    to ``path`` (.svg or .png); returns a one-line description of what was drawn."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in ("svg", "png"):
        raise InputError(f"--plot writes .svg or .png, not {Path(path).name!r}")
    try:
        import matplotlib
    except ModuleNotFoundError:
        raise EnvironmentProblem("--plot needs matplotlib: pip install 'mmkg[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mmkg.atomic import write_bytes
    from mmkg.formats import short

    records = table.records()
    if not records:
        raise InputError(f"no results on {benchmark} to plot")
    key = ("metric", "evalSplit", "evalSetting", "direction")
    first = tuple(records[0].get(k) for k in key)
    group = [r for r in records if tuple(r.get(k) for k in key) == first]
    points = [_point(r) for r in group]
    what = ", ".join(short(v) for v in first if v is not None)
    plt.rcParams["svg.fonttype"] = "none"  # labels stay text in the SVG
    fig, (timeline, sizes) = plt.subplots(1, 2, figsize=(13, 5.5))
    dated = sorted((p for p in points if p[3] is not None), key=lambda p: p[3] or 0.0)
    timeline.scatter([p[3] for p in dated], [p[1] for p in dated], s=14, color="#332288")
    best: list[tuple[float, float]] = []
    for label, value, _, when in dated:
        if not best or (value > best[-1][1] if higher_is_better else value < best[-1][1]):
            best.append((when, value))  # type: ignore[arg-type]
        timeline.annotate(label, (when, value), fontsize=6, xytext=(2, 2), textcoords="offset points")
    if best:
        timeline.step([b[0] for b in best], [b[1] for b in best], where="post", color="#CC6677", label="best so far")
        timeline.legend(loc="lower right", fontsize=8)
    timeline.set_xlabel("release date")
    timeline.set_ylabel(what.split(",")[0])
    timeline.set_title(f"{benchmark}: best value over time")
    sized = [p for p in points if p[2]]
    sizes.scatter([p[2] for p in sized], [p[1] for p in sized], s=14, color="#117733")
    for label, value, params, _ in sized:
        sizes.annotate(label, (params, value), fontsize=6, xytext=(2, 2), textcoords="offset points")
    if sized:
        from matplotlib.ticker import NullFormatter

        sizes.set_xscale("log")
        sizes.xaxis.set_minor_formatter(NullFormatter())
    sizes.set_xlabel("parameters")
    sizes.set_title(f"{benchmark}: value against size")
    fig.suptitle(f"{benchmark} ({what})", fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=150)
    plt.close(fig)
    write_bytes(path, buffer.getvalue())
    return f"plotted {len(dated)} dated and {len(sized)} sized results of {benchmark} ({what}) to {path}"
