"""Synthetic graphs in this project's shape, deterministic from a seed, for benchmarks.

Models carry types, label, year, modalities, objectives (typed by family), backbone, fusion
style, parameter count, pre-training datasets and 0-3 typed lineage edges to earlier models;
each model has a paper with 3-40 citations to earlier papers. Lineage has the real graph's shape:
most models build on a few popular hubs (the first 1% of models), some on a recent model, so a
model's ancestors number tens, not thousands; the model the lineage benchmark asks about ends a
family of DEEP versions, so it has more than DEEP ancestors at every size. Output is N-Triples.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

ID = "https://w3id.org/mmkg/id/"
ONTO = "https://w3id.org/mmkg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
CITES = ["<http://purl.org/spar/cito/cites>", "<http://purl.org/spar/cito/extends>", "<http://purl.org/spar/cito/usesMethodIn>"]
XSD_INT = "^^<http://www.w3.org/2001/XMLSchema#integer>"
MODALITIES = ["image", "text", "video", "audio", "table", "depth"]
FAMILIES = ["ContrastiveObjective", "MatchingObjective", "MaskedLanguageModelling", "LanguageModellingObjective", "MaskedImageModelling"]
FUSION = ["SingleStream", "CrossStream", "EncoderDecoder", "EncoderWithLanguageModel"]
LINEAGE = ["extends", "fineTunedFrom", "initialisedFrom", "usesVisionEncoder", "usesLanguageModel", "distilledFrom"]
WORDS = ["vision", "language", "contrastive", "unified", "masked", "video", "audio", "omni", "tiny", "large", "fusion", "align"]
#: triples a model and its paper contribute on average (used to size a graph)
PER_MODEL = 38
#: length of the family chain that ends at the model the benchmark's lineage query asks about
DEEP = 60


def model_count(n_triples: int) -> int:
    """How many models a graph of about ``n_triples`` triples has."""
    return max(10, n_triples // PER_MODEL)


def _t(s: str, p: str, o: str) -> str:
    return f"{s} {p} {o} .\n"


def triples(n_triples: int, *, seed: int = 42) -> Iterator[str]:
    """N-Triples lines for a graph of about ``n_triples`` triples."""
    rng = random.Random(seed)
    n_models = model_count(n_triples)
    n_datasets = max(5, n_models // 200)
    n_objectives = 40
    for i in range(n_objectives):
        fam = FAMILIES[i % len(FAMILIES)]
        yield _t(f"<{ID}objective/o{i}>", RDF_TYPE, f"<{ONTO}{fam}>")
        yield _t(f"<{ID}objective/o{i}>", RDF_TYPE, f"<{ONTO}PretrainingObjective>")
        yield _t(f"<{ID}objective/o{i}>", LABEL, f'"objective {i}"')
    for d in range(n_datasets):
        yield _t(f"<{ID}dataset/d{d}>", RDF_TYPE, f"<{ONTO}PretrainingDataset>")
        yield _t(f"<{ID}dataset/d{d}>", LABEL, f'"dataset {d}"')
    for m in range(n_models):
        model, paper = f"<{ID}model/m{m}>", f"<{ID}paper/p{m}>"
        year = 2015 + (m * 11) // n_models
        name = f"{rng.choice(WORDS).title()}-{rng.choice(WORDS)}-{m}"
        yield _t(model, RDF_TYPE, f"<{ONTO}MultiModalModel>")
        yield _t(model, RDF_TYPE, f"<{ONTO}PretrainedModel>")
        yield _t(model, LABEL, f'"{name}"')
        yield _t(model, f"<{ONTO}year>", f'"{year}"{XSD_INT}')
        for mod in sorted(set(rng.sample(MODALITIES[:3], 2) + (["audio"] if rng.random() < 0.1 else []))):
            yield _t(model, f"<{ONTO}modality>", f"<{ONTO}{mod}>")
        for o in sorted(set(rng.randrange(n_objectives) for _ in range(rng.randint(1, 3)))):
            yield _t(model, f"<{ONTO}objective>", f"<{ID}objective/o{o}>")
        yield _t(model, f"<{ONTO}fusionStyle>", f"<{ONTO}{rng.choice(FUSION)}>")
        if rng.random() < 0.6:
            yield _t(model, f"<{ONTO}parameterCount>", f'"{rng.randint(10, 100000) * 1000000}"{XSD_INT}')
        for d in sorted(set(rng.randrange(n_datasets) for _ in range(rng.randint(1, 3)))):
            yield _t(model, f"<{ONTO}pretrainedOn>", f"<{ID}dataset/d{d}>")
        if m:
            # lineage as in the real graph: most models build on a few popular hubs (the first 1%
            # of models, like CLIP or LLaMA), some on a recent model; closures stay short
            hubs = max(1, n_models // 100)
            bases = set()
            for _ in range(rng.randint(0, 3)):
                if m < hubs:
                    if rng.random() < 0.3:
                        bases.add(rng.randrange(max(0, m - 20), m))
                elif rng.random() < 0.7:
                    bases.add(rng.randrange(0, hubs))
                else:
                    bases.add(rng.randrange(max(hubs, m - 50), m) if m > hubs else rng.randrange(0, m))
            if m == n_models // 2 and not bases:  # the model the benchmark asks about has a lineage to walk
                bases.add(rng.randrange(0, hubs))
            if n_models // 2 - DEEP < m <= n_models // 2:
                # ... and a long one: the DEEP models before it are versions of one family, each
                # extending the one before, so its ancestors number more than DEEP
                bases.add(m - 1)
            for base in sorted(bases):
                rel = rng.choice(LINEAGE)
                yield _t(model, f"<{ONTO}{rel}>", f"<{ID}model/m{base}>")
                yield _t(model, f"<{ONTO}buildsOn>", f"<{ID}model/m{base}>")
        yield _t(model, f"<{ONTO}introducedIn>", paper)
        yield _t(paper, RDF_TYPE, f"<{ONTO}Paper>")
        yield _t(paper, LABEL, f'"Paper on {name}"')
        yield _t(paper, f"<{ONTO}year>", f'"{year}"{XSD_INT}')
        if m > 3:
            for cited in sorted(set(rng.randrange(max(0, m - 20000), m) for _ in range(rng.randint(3, 40)))):
                yield _t(paper, "<http://purl.org/spar/cito/cites>", f"<{ID}paper/p{cited}>")


def write(path: Path, n_triples: int, *, seed: int = 42) -> int:
    """Write the graph to ``path``; returns the number of triples written."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        buf: list[str] = []
        for line in triples(n_triples, seed=seed):
            buf.append(line)
            count += 1
            if len(buf) >= 100_000:
                handle.write("".join(buf))
                buf.clear()
        handle.write("".join(buf))
    return count
