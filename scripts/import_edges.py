"""Print the import edges between ringdata's packages and modules, and any import cycles.

    python scripts/import_edges.py            # edges between the layers' parts, cycles, edges against the layers
    python scripts/import_edges.py --modules  # every module -> module edge too
    python scripts/import_edges.py --check    # exit 1 on any edge that points up LAYERS (a test runs it)

Every import counts, including the ones inside functions (a lazy import hides a cycle from the
interpreter, not from the design) and under TYPE_CHECKING. An edge is written `a -> b`, with
`(lazy)` when no import of it sits at module level and `(types)` when its only module-level import
is under `if TYPE_CHECKING:`. Reads the source with `ast`; imports nothing.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGES = ("ringdata", "rewards", "sandboxes", "train")
ROOT = Path(__file__).resolve().parent.parent

# The layers, bottom first: a module may import its own part and any part of a LOWER layer, never
# a higher one nor a neighbour in its own layer (curation and the trainer do not know each other).
# A module belongs to the part with the longest matching prefix. A package split across layers
# (`ringdata`) places only its __init__ by its bare name: a new module in it must be named here.
# Lazy imports count too.
LAYERS: tuple[dict[str, tuple[str, ...]], ...] = (
    {"core": ("ringdata.core", "ringdata")},  # records, io, errors, ...; `ringdata` is its __init__ alone
    {"sandboxes": ("sandboxes",)},
    {"rewards": ("rewards",)},
    {"curation": ("ringdata.curate",), "train": ("train",)},
    {"cli": ("ringdata.cli", "ringdata.__main__")},
)


def part_of(module: str) -> tuple[int, str]:
    """(layer index, part name) of a module: the part whose prefix matches it longest."""
    prefixes = [p for parts in LAYERS for ps in parts.values() for p in ps]
    split = {p for p in prefixes if any(q.startswith(p + ".") for q in prefixes)}
    best = (-1, -1, "")
    for level, parts in enumerate(LAYERS):
        for part, prefixes in parts.items():
            for prefix in prefixes:
                inside = module.startswith(prefix + ".") and prefix not in split
                if (module == prefix or inside) and len(prefix) > best[0]:
                    best = (len(prefix), level, part)
    if best[0] < 0:
        raise SystemExit(f"{module}: in no layer of scripts/import_edges.py's LAYERS; add it there")
    return best[1], best[2]


def upward(edges: dict[str, dict[str, str]]) -> list[str]:
    """Every edge that leaves its part for one that is not in a lower layer."""
    bad = []
    for src, targets in sorted(edges.items()):
        for dst, kind in sorted(targets.items()):
            (ls, ps), (ld, pd) = part_of(src), part_of(dst)
            if ps != pd and ld >= ls:
                bad.append(f"{src} ({ps}) -> {dst} ({pd}){f' ({kind})' if kind else ''}")
    return bad


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, modules: set[str]) -> dict[str, str]:
    """{imported module: "" (module level) | "types" (TYPE_CHECKING only) | "lazy"}."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    type_only: set[int] = set()
    for node in tree.body:  # `try:` blocks at module level count as top level
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for n in ast.walk(node)}
        elif isinstance(node, (ast.If, ast.Try)):
            top_level |= {id(n) for n in ast.walk(node)}
    rank = {"": 0, "types": 1, "lazy": 2}
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            while name and name not in modules:  # `from x import func` -> x
                name = name.rpartition(".")[0]
            if name and name != here:
                kind = "" if id(node) in top_level else "types" if id(node) in type_only else "lazy"
                found[name] = min(found.get(name, "lazy"), kind, key=rank.get)
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main() -> None:
    files = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))
    modules = {module_name(p) for p in files}
    edges: dict[str, dict[str, str]] = {module_name(p): imports(p, modules) for p in files}
    rank = {"": 0, "types": 1, "lazy": 2}
    part_edges: dict[tuple[str, str], str] = {}
    for src, targets in edges.items():
        for dst, kind in targets.items():
            a, b = part_of(src)[1], part_of(dst)[1]
            if a != b:
                part_edges[(a, b)] = min(part_edges.get((a, b), "lazy"), kind, key=rank.get)
    label = lambda kind: f" ({kind})" if kind else ""  # noqa: E731
    order = [part for parts in LAYERS for part in parts]
    print("edges between the parts of LAYERS (top first):")
    for (a, b), kind in sorted(part_edges.items(), key=lambda e: (-order.index(e[0][0]), -order.index(e[0][1]))):
        print(f"  {a} -> {b}{label(kind)}")
    if "--modules" in sys.argv:
        print("module edges:")
        for src in sorted(edges):
            for dst, kind in sorted(edges[src].items()):
                print(f"  {src} -> {dst}{label(kind)}")
    # a package's __init__ re-exporting its own modules is not a design cycle
    graph = {s: {d for d in t if not (s == d.split(".")[0] or d.startswith(s + "."))} for s, t in edges.items()}
    found = cycles(graph)
    print(f"module cycles: {len(found)}")
    for comp in found:
        print("  " + " <-> ".join(comp))
    bad = upward(edges)
    print(f"edges against the layers: {len(bad)}")
    for line in bad:
        print("  " + line)
    if "--check" in sys.argv and (bad or found):
        sys.exit(1)


if __name__ == "__main__":
    main()
