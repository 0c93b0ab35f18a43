"""A ranked map of the repository for the system prompt, as aider's repo map does.

Files are nodes of a graph; a file that uses a name another file defines gets an edge to
it, weighted by how often it uses the name. PageRank over that graph says which files
matter; each file's rank flows along its edges to the definitions it uses, which ranks
the definitions. The best-ranked definitions, grouped by file, are shown as far as the
token budget (estimated as characters / 4) allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import repeat
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


def rank_definitions(index: CodeIndex, mentioned: frozenset[str] = frozenset(),
                     limit: int | None = None) -> list[tuple[str, str, float]]:
    """(file, name, rank) of every definition (the first ``limit`` only, when given), best
    first. ``mentioned`` names weigh ten times more.

    Vectorised with numpy: one row per (file, name it defines), one per (file, name it
    uses), and one per (using file, defining file, name), which carries the weight of that
    use; the Python loops run once per file, never once per name."""
    import numpy as np

    files = index.files
    paths = list(files)  # sorted: a file's number orders as its path
    if not paths:
        return []
    tags_list = list(files.values())
    ids: dict[str, int] = {}  # every defined name -> its number
    def_file_l: list[int] = []
    def_name_l: list[int] = []
    for i, tags in enumerate(tags_list):
        names = dict.fromkeys(tags.definition_names())  # a file defining a name twice counts once
        def_name_l.extend(ids.setdefault(name, len(ids)) for name in names)
        def_file_l.extend(repeat(i, len(names)))
    if not ids:
        return []
    names_by_id = list(ids)
    def_file = np.array(def_file_l, dtype=np.intp)
    def_name = np.array(def_name_l, dtype=np.intp)
    n_files, n_names = len(paths), len(ids)
    definers = np.bincount(def_name, minlength=n_names)  # how many files define each name
    by_name = np.argsort(def_name, kind="stable")  # the defining files of name k: def_file[by_name[first[k]:...]]
    first = np.cumsum(definers) - definers

    use_src_l: list[int] = []
    use_name_l: list[int] = []
    use_count_l: list[int] = []
    for i, tags in enumerate(tags_list):
        names, counts = tags.reference_counts()
        use_name_l.extend(map(ids.get, names, repeat(-1)))
        use_count_l.extend(counts)
        use_src_l.extend(repeat(i, len(names)))
    use_name = np.array(use_name_l, dtype=np.intp)
    known = use_name >= 0
    use_name = use_name[known]
    k = definers[use_name]
    linking = k <= MAX_DEFINERS  # a name defined in too many files links nothing
    use_name, k = use_name[linking], k[linking]
    use_src = np.array(use_src_l, dtype=np.intp)[known][linking]
    use_count = np.array(use_count_l, dtype=float)[known][linking]
    weigh = np.zeros(n_names)
    for name_id in np.unique(use_name).tolist():
        weigh[name_id] = _name_weight(names_by_id[name_id], mentioned)
    # a use of a name defined in several files is split between them
    use_weight = np.sqrt(use_count) * weigh[use_name] / k
    # one row per (use, file defining the name), but not the using file itself
    row_use = np.repeat(np.arange(len(use_name)), k)
    offset = np.arange(len(row_use)) - np.repeat(np.cumsum(k) - k, k)
    dst = def_file[by_name[first[use_name[row_use]] + offset]]
    src = use_src[row_use]
    other = dst != src
    src, dst, row_use = src[other], dst[other], row_use[other]
    weight = use_weight[row_use]
    # the graph: one edge per (src, dst) with the summed weight
    edge_key, edge_of = np.unique(src * n_files + dst, return_inverse=True)
    edge_weight = np.bincount(edge_of.ravel(), weights=weight, minlength=len(edge_key))
    rank = _pagerank(n_files, edge_key // n_files, edge_key % n_files, edge_weight)
    # each file's rank flows to the definitions it uses, by weight
    out = np.bincount(src, weights=weight, minlength=n_files)
    flow = rank[src] * weight / np.where(out == 0, 1.0, out)[src]
    def_key = def_file * n_names + def_name
    key_order = np.argsort(def_key)
    row_of = key_order[np.searchsorted(def_key[key_order], dst * n_names + use_name[row_use])]
    score = np.bincount(row_of, weights=flow, minlength=len(def_key))
    unreferenced = np.bincount(row_of, minlength=len(def_key)) == 0  # these follow, by their file's rank
    score[unreferenced] = rank[def_file[unreferenced]] * 1e-6
    # best first; ties by path, then name
    alphabetical = np.empty(n_names, dtype=np.intp)
    alphabetical[sorted(range(n_names), key=names_by_id.__getitem__)] = np.arange(n_names)
    order = np.lexsort((alphabetical[def_name], def_file, -score))[:limit]
    return [(paths[f], names_by_id[n], sc) for f, n, sc in
            zip(def_file[order].tolist(), def_name[order].tolist(), score[order].tolist())]


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
    # each chosen definition adds a line of two characters or more: longer prefixes cannot fit
    ranked = rank_definitions(index, mentioned, limit=2 * max(max_tokens, 0) + 2)
    lo, hi, best = 0, len(ranked), ""
    while lo < hi:  # binary search on how many definitions to show
        mid = (lo + hi + 1) // 2
        text = render(index, ranked[:mid])
        if estimate_tokens(text) <= max_tokens:
            lo, best = mid, text
        else:
            hi = mid - 1
    return best


MAP_VERSION = 2  # bump when the ranking or the rendering changes: cached maps are made again


def repo_map_for_prompt(root: Path, max_tokens: int, cache_path: Path | None = None) -> str:
    """The repo map of the workspace at ``root`` (index refreshed first); "" when off or empty.

    The map is kept beside the index with the index's state: while no file changed, the
    next session reads it instead of ranking again."""
    if max_tokens <= 0:
        return ""
    index = CodeIndex(root, cache_path)
    index.refresh()
    key, state = f"repo_map:{MAP_VERSION}:{max_tokens}", index.state()
    cached = index.extra(key)
    if cached is not None and cached[0] == state:
        return cached[1]
    text = repo_map(index, max_tokens)
    index.set_extra(key, state, text)
    return text
