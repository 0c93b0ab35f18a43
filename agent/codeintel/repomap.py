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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
    import numpy as np

    names = sorted(set(nodes) | set(edges) | {d for out in edges.values() for d in out})
    if not names:
        return {}
    at = {n: i for i, n in enumerate(names)}
    pairs = [(at[src], at[dst], w) for src, out in edges.items() for dst, w in out.items()]
    src = np.array([p[0] for p in pairs], dtype=np.intp)
    dst = np.array([p[1] for p in pairs], dtype=np.intp)
    weight = np.array([p[2] for p in pairs], dtype=float)
    teleport = np.array([(personal or {}).get(n, 0.0) for n in names], dtype=float)
    rank = _pagerank(len(names), src, dst, weight, teleport if teleport.sum() > 0 else None)
    return dict(zip(names, rank.tolist()))


def _pagerank(n: int, src: Any, dst: Any, weight: Any, teleport: Any = None) -> Any:
    """PageRank over ``n`` nodes and the weighted edges src[i] -> dst[i] (numpy arrays)."""
    import numpy as np

    teleport = np.full(n, 1 / n) if teleport is None else teleport / teleport.sum()
    out = np.bincount(src, weights=weight, minlength=n)
    dangling = out == 0
    share = DAMPING * weight / np.where(out == 0, 1.0, out)[src]  # per edge: the part of its source's rank
    rank = teleport.copy()
    for _ in range(ITERATIONS):
        nxt = (1 - DAMPING + DAMPING * rank[dangling].sum()) * teleport
        nxt += np.bincount(dst, weights=rank[src] * share, minlength=n)
        delta = np.abs(nxt - rank).sum()
        rank = nxt
        if delta < TOLERANCE:
            break
    return rank


def _scores(index: CodeIndex, mentioned: frozenset[str]) -> list[tuple[str, str, float]]:
    """(file, name, score) of every definition, unsorted (see :func:`rank_definitions`)."""
    import numpy as np

    files = index.files
    paths = list(files)
    if not paths:
        return []
    defined: dict[str, list[int]] = {}  # name -> the files defining it (each once)
    definition_names = []
    for i, tags in enumerate(files.values()):
        names = dict.fromkeys(tags.definition_names())
        definition_names.append(names)
        for name in names:
            defined.setdefault(name, []).append(i)
    # one row per (file using a name, file defining it, name): the weight of that use
    src_l: list[int] = []
    dst_l: list[int] = []
    pair_l: list[int] = []
    weight_l: list[float] = []
    pair_ids: dict[tuple[int, str], int] = {}  # (defining file, name) -> row of the scores
    name_weights: dict[str, float] = {}
    sqrt = math.sqrt
    for src, tags in enumerate(files.values()):
        names, counts = tags.reference_counts()
        for name, definers, count in zip(names, map(defined.get, names), counts):
            if definers is None or len(definers) > MAX_DEFINERS:
                continue
            name_weight = name_weights.get(name)
            if name_weight is None:
                name_weight = name_weights[name] = _name_weight(name, mentioned)
            # a use of a name defined in several files is split between them
            weight = sqrt(count) * name_weight / len(definers)
            for dst in definers:
                if dst != src:
                    src_l.append(src)
                    dst_l.append(dst)
                    weight_l.append(weight)
                    pair_l.append(pair_ids.setdefault((dst, name), len(pair_ids)))
    n = len(paths)
    src_a = np.array(src_l, dtype=np.intp)
    dst_a = np.array(dst_l, dtype=np.intp)
    weight_a = np.array(weight_l, dtype=float)
    # the graph has one edge per (src, dst) with the summed weight, as the rank flows per file pair
    edge_id, edge_of = np.unique(src_a * n + dst_a, return_inverse=True)
    edge_weight = np.bincount(edge_of, weights=weight_a, minlength=len(edge_id))
    rank = _pagerank(n, edge_id // n, edge_id % n, edge_weight)
    out = np.bincount(src_a, weights=weight_a, minlength=n)
    flow = rank[src_a] * weight_a / np.where(out == 0, 1.0, out)[src_a]
    pair_scores = np.bincount(np.array(pair_l, dtype=np.intp), weights=flow, minlength=len(pair_ids)).tolist()
    scored = [(paths[dst], name, score) for (dst, name), score in zip(pair_ids, pair_scores)]
    rank_l = rank.tolist()
    for i, names in enumerate(definition_names):  # unreferenced definitions follow, by their file's rank
        low = rank_l[i] * 1e-6
        scored.extend((paths[i], name, low) for name in names if (i, name) not in pair_ids)
    return scored


def _best_first(item: tuple[str, str, float]) -> tuple[float, str, str]:
    return -item[2], item[0], item[1]


def rank_definitions(index: CodeIndex, mentioned: frozenset[str] = frozenset()) -> list[tuple[str, str, float]]:
    """(file, name, rank) of every definition, best first. ``mentioned`` names weigh ten times more."""
    return sorted(_scores(index, mentioned), key=_best_first)


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
    # each chosen definition adds a line of two characters or more: longer prefixes cannot fit
    lo, hi, best = 0, min(len(ranked), 2 * max(max_tokens, 0) + 2), ""
    while lo < hi:  # binary search on how many definitions to show
        mid = (lo + hi + 1) // 2
        text = render(index, ranked[:mid])
        if estimate_tokens(text) <= max_tokens:
            lo, best = mid, text
        else:
            hi = mid - 1
    return best


MAP_VERSION = 2  # bump when the ranking or the rendering changes: cached maps are made again


def repo_map_for_prompt(root: Path, max_tokens: int) -> str:
    """The repo map of the workspace at ``root`` (index refreshed first); "" when off or empty.

    The map is kept beside the index with the index's state: while no file changed, the
    next session reads it instead of ranking again."""
    if max_tokens <= 0:
        return ""
    index = CodeIndex(root)
    index.refresh()
    key, state = f"repo_map:{MAP_VERSION}:{max_tokens}", index.state()
    cached = index.extra(key)
    if cached is not None and cached[0] == state:
        return cached[1]
    text = repo_map(index, max_tokens)
    index.set_extra(key, state, text)
    return text
