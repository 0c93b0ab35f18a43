"""A ranked map of the repository for the system prompt, as aider's repo map does.

Files are nodes of a graph; a file that uses a name another file defines gets an edge to
it, weighted by how often it uses the name. PageRank over that graph says which files
matter; each file's rank flows along its edges to the definitions it uses, which ranks
the definitions. The best-ranked definitions, grouped by file, are shown as far as the
token budget (estimated as characters / 4) allows.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from agent.codeintel.index import CodeIndex

DAMPING = 0.85
ITERATIONS = 100
TOLERANCE = 1e-9
MAX_DEFINERS = 30  # a name defined in more files than this (run, setUp, name) links nothing


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` as ``chars / 4``: no tokenizer needed, roughly right for code."""
    return (len(text) + 3) // 4


def pagerank(edges: dict[str, dict[str, float]], nodes: Iterable[str],
             personal: dict[str, float] | None = None) -> dict[str, float]:
    """PageRank by power iteration. ``edges[src][dst]`` is a weight; dangling nodes spread
    their rank by ``personal`` (uniform when None), as does the teleport step."""
    nodes = sorted(set(nodes) | set(edges) | {d for out in edges.values() for d in out})
    if not nodes:
        return {}
    total = sum((personal or {}).get(n, 0.0) for n in nodes)
    teleport = {n: (personal[n] / total if personal and total else 1 / len(nodes)) for n in nodes}
    out_weight = {src: sum(out.values()) for src, out in edges.items()}
    rank = dict(teleport)
    for _ in range(ITERATIONS):
        dangling = sum(rank[n] for n in nodes if not out_weight.get(n))
        nxt = {n: (1 - DAMPING) * teleport[n] + DAMPING * dangling * teleport[n] for n in nodes}
        for src, out in edges.items():
            if out_weight[src]:
                share = DAMPING * rank[src] / out_weight[src]
                for dst, w in out.items():
                    nxt[dst] += share * w
        delta = sum(abs(nxt[n] - rank[n]) for n in nodes)
        rank = nxt
        if delta < TOLERANCE:
            break
    return rank


def rank_definitions(index: CodeIndex, mentioned: frozenset[str] = frozenset()) -> list[tuple[str, str, float]]:
    """(file, name, rank) of every definition, best first. ``mentioned`` names weigh ten times more."""
    defined = index.defined_names()
    edges: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_name: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)  # (src, dst) -> name -> weight
    for src, tags in index.files.items():
        for name, rows in tags.references.items():
            definers = defined.get(name)
            if not definers or len(definers) > MAX_DEFINERS:
                continue
            # a use of a name defined in several files is split between them
            weight = math.sqrt(len(rows)) * _name_weight(name, mentioned) / len(definers)
            for dst in definers:
                if dst != src:
                    edges[src][dst] += weight
                    by_name[(src, dst)][name] = by_name[(src, dst)].get(name, 0.0) + weight
    rank = pagerank(edges, index.files)
    scores: dict[tuple[str, str], float] = defaultdict(float)
    for (src, dst), names in by_name.items():
        out = sum(edges[src].values())
        for name, weight in names.items():
            scores[(dst, name)] += rank[src] * weight / out
    for rel, tags in index.files.items():  # unreferenced definitions follow, by their file's rank
        for symbol in tags.definitions:
            scores.setdefault((rel, symbol.name), rank.get(rel, 0.0) * 1e-6)
    return sorted(((f, n, s) for (f, n), s in scores.items()), key=lambda t: (-t[2], t[0], t[1]))


_SPECIFIC = re.compile(r"[a-z0-9][A-Z]|[A-Za-z0-9]_[A-Za-z0-9]")  # camelCase or snake_case


def _name_weight(name: str, mentioned: frozenset[str]) -> float:
    """How much a use of ``name`` says: long compound names a lot, private and tiny names little."""
    weight = 10.0 if name in mentioned else 1.0
    if len(name) >= 8 and _SPECIFIC.search(name):
        weight *= 10
    if name.startswith("_") or len(name) <= 2:
        weight *= 0.1
    return weight


def render(index: CodeIndex, chosen: list[tuple[str, str, float]]) -> str:
    """The chosen definitions grouped by file (files in rank order, symbols in line order)."""
    names: dict[str, set[str]] = {}
    for rel, name, _ in chosen:
        names.setdefault(rel, set()).add(name)
    blocks = []
    for rel, wanted in names.items():
        symbols = sorted((s for s in index.files[rel].definitions if s.name in wanted), key=lambda s: s.line)
        blocks.append("\n".join([f"{rel}:", *(f"{s.line:>5}│{s.signature}" for s in symbols)]))
    return "\n".join(blocks)


def repo_map(index: CodeIndex, max_tokens: int, mentioned: frozenset[str] = frozenset()) -> str:
    """The largest prefix of the ranked definitions whose rendering fits in ``max_tokens``."""
    ranked = rank_definitions(index, mentioned)
    lo, hi, best = 0, len(ranked), ""
    while lo < hi:  # binary search on how many definitions to show
        mid = (lo + hi + 1) // 2
        text = render(index, ranked[:mid])
        if estimate_tokens(text) <= max_tokens:
            lo, best = mid, text
        else:
            hi = mid - 1
    return best


def repo_map_for_prompt(root: Path, max_tokens: int) -> str:
    """The repo map of the workspace at ``root`` (index refreshed first); "" when off or empty."""
    if max_tokens <= 0:
        return ""
    index = CodeIndex(root)
    index.refresh()
    return repo_map(index, max_tokens)
