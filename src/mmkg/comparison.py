"""Models side by side: their facts (modalities, components, data, objectives, sizes, licence)
and their results on the benchmarks they share, one column per model."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

ASPECTS = [
    ("year", "year"), ("month", "month"), ("developedBy", "organisation"), ("modality", "modalities"),
    ("parameterCount", "parameters"), ("fusionStyle", "fusion style"), ("connector", "connector"),
    ("usesVisionEncoder", "vision encoder"), ("usesLanguageModel", "language model"),
    ("usesAudioEncoder", "audio encoder"), ("objective", "objectives"), ("pretrainedOn", "pre-training data"),
    ("licence", "licence"), ("openWeights", "open weights"), ("codeRepository", "code"), ("introducedIn", "paper"),
]
_MMKG = "https://w3id.org/mmkg/ontology#"


@dataclass
class Comparison:
    models: list[str]
    rows: list[tuple[str, list[str]]] = field(default_factory=list)

    def render(self, fmt: str = "table") -> str:
        header = ["", *self.models]
        body = [[name, *cells] for name, cells in self.rows]
        if fmt == "json":
            return json.dumps({"models": self.models, "rows": [{"aspect": n, "values": dict(zip(self.models, c, strict=True))}
                                                              for n, c in self.rows]}, indent=1, ensure_ascii=False) + "\n"
        if fmt == "csv":
            import csv
            import io

            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows([header, *body])
            return out.getvalue()
        if fmt == "md":
            esc = [[c.replace("|", "\\|") for c in row] for row in [header, *body]]
            lines = ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * len(header)]
            return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in esc[1:]]) + "\n"
        if fmt == "html":
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
            return (f"<!doctype html><meta charset=utf-8><title>mmkg compare</title>"
                    f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>\n")
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        fmt_row = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
        return "\n".join([fmt_row(header), fmt_row(["-" * w for w in widths]), *map(fmt_row, body)]) + "\n"


def compare(names: list[str]) -> Comparison:
    """Compare models by name (labels, alternative names, slugs)."""
    from mmkg.api import run_query as query
    from mmkg.namespaces import shorten

    facts: list[dict[str, set[str]]] = []
    results: list[dict[str, tuple[float, str]]] = []
    labels: list[str] = []
    for name in names:
        table = query("model-facts", params={"model": name})
        per: dict[str, set[str]] = {}
        iri = ""
        for rec in table.records():  # type: ignore[union-attr]
            iri = rec["model"].value  # type: ignore[union-attr]
            prop = rec["property"].value  # type: ignore[union-attr]
            if rec["rank"] is not None and rec["rank"].value == _MMKG + "DeprecatedRank":
                continue
            if prop.startswith(_MMKG):
                per.setdefault(prop[len(_MMKG):], set()).add(_text(rec["value"], shorten))
        facts.append(per)
        labels.append(_label(iri, name))
        best: dict[str, tuple[float, str]] = {}
        res = query("results-for-model", params={"model": name})
        for rec in res.records():  # type: ignore[union-attr]
            key = " / ".join(_text(rec[k], shorten) for k in ("benchmark", "split", "metric", "setting", "direction")
                             if rec[k] is not None)
            value = float(rec["value"].value)  # type: ignore[union-attr]
            variant = shorten(rec["variant"].value)  # type: ignore[union-attr]
            if key not in best or value > best[key][0]:
                best[key] = (value, f"{rec['value'].value} ({variant.split(':', 1)[-1]})")  # type: ignore[union-attr]
        results.append(best)
    out = Comparison(labels)
    for prop, title in ASPECTS:
        cells = [", ".join(sorted(f.get(prop, set()))) for f in facts]
        if any(cells):
            out.rows.append((title, cells))
    shared = sorted(k for k in set().union(*results) if sum(k in r for r in results) >= 2)
    for key in shared:
        out.rows.append((key, [r[key][1] if key in r else "" for r in results]))
    return out


def _text(term, shorten) -> str:  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    return term.value


def _label(iri: str, fallback: str) -> str:
    from mmkg.namespaces import shorten

    return shorten(iri) if iri else fallback
