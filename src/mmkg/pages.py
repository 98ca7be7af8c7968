"""HTML for the endpoint: the start page and result tables. Everything from the graph is
escaped; only http(s) links become clickable."""

from __future__ import annotations

import html
from typing import Any

import pyoxigraph as ox

from mmkg.formats import short

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
textarea{width:100%;height:12rem;font:13px monospace}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{background:#f6f6f6;padding:0 .2rem}.group{margin-top:1.2rem}
"""


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def link(url: str, label: str | None = None) -> str:
    text = esc(label if label is not None else url)
    if url.startswith(("http://", "https://")):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{text}</a>'
    return text


def cell(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return link(term.value, short(term))
    return esc(short(term))


def result_html(result: Any) -> str:
    from mmkg.store import Table

    if isinstance(result, bool):
        body = f"<p>{'true' if result else 'false'}</p>"
    elif isinstance(result, Table):
        head = "".join(f"<th>{esc(v)}</th>" for v in result.variables)
        rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in result.rows)
        body = f"<p>{len(result.rows)} rows</p><table><tr>{head}</tr>{rows}</table>"
    else:
        from mmkg.formats import render_graph

        body = f"<pre>{esc(render_graph(result, 'ttl'))}</pre>"
    return page("Query result", body)


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def start_page(queries: list[Any], *, triples: int, viz: bool = True) -> str:
    groups: dict[str, list[Any]] = {}
    for q in queries:
        groups.setdefault(q.group, []).append(q)
    parts = [
        "<h1>mmkg SPARQL endpoint</h1>",
        f"<p>A read-only SPARQL 1.1 endpoint over the mmkg graph ({triples:,} triples): "
        "<code>GET</code> or <code>POST</code> <code>/sparql</code>. "
        "<a href='/sparql'>Service description</a> · <a href='/.well-known/void'>VoID</a>"
        + (" · <a href='/viz'>lineage network</a>" if viz else "") + "</p>",
        "<form method='get' action='/sparql'><textarea name='query' aria-label='SPARQL query'>"
        "SELECT ?model ?name ?year WHERE {\n  ?model a mmkg:MultiModalModel ; rdfs:label ?name ; mmkg:year ?year .\n}\nORDER BY ?year LIMIT 20"
        "</textarea><input type='hidden' name='format' value='html'><button type='submit'>Run</button></form>",
        "<h2>Named queries</h2>",
    ]
    for group in sorted(groups):
        parts.append(f"<div class='group'><h3>{esc(group)}</h3><ul>")
        for q in groups[group]:
            params = "".join(
                f" <input name='{esc(p.name)}' placeholder='{esc(p.name)} ({esc(p.kind)})' aria-label='{esc(p.name)}'>"
                for p in q.params
            )
            parts.append(
                f"<li><form method='get' action='/queries/{esc(q.name)}'><b>{esc(q.title)}</b> "
                f"<code>{esc(q.name)}</code> — {esc(q.description)}{params}"
                "<input type='hidden' name='format' value='html'> <button type='submit'>run</button></form></li>"
            )
        parts.append("</ul></div>")
    return page("mmkg SPARQL endpoint", "".join(parts))
