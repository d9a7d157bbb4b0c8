"""The layering CI enforces: no import edge points up scripts/import_edges.py's LAYERS table
(core, sandboxes, rewards, curation | train, cli), lazy imports included, and no module cycles."""

from __future__ import annotations

import runpy
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "import_edges.py"


def test_no_import_edge_points_up_the_layers():
    proc = subprocess.run([sys.executable, SCRIPT, "--check"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "edges against the layers: 0" in proc.stdout and "module cycles: 0" in proc.stdout


def test_the_check_catches_an_upward_or_sideways_edge():
    upward = runpy.run_path(str(SCRIPT))["upward"]
    assert upward({"ringdata.core.records": {"rewards.math": "lazy"}}) == [
        "ringdata.core.records (core) -> rewards.math (rewards) (lazy)"]
    assert upward({"train.loop": {"ringdata.curate.clean": ""}})  # neighbours in one layer
    assert upward({"sandboxes.local": {"ringdata.cli.main": ""}})
    assert not upward({"ringdata.curate.gold": {"rewards.math": "lazy"}, "ringdata.cli.main": {"train.loop": ""}})


def test_a_module_no_layer_names_is_refused():
    """`ringdata` is split across layers: a new module in it must be placed in LAYERS, not fall into core."""
    import pytest

    part_of = runpy.run_path(str(SCRIPT))["part_of"]
    assert part_of("ringdata") == (0, "core") and part_of("sandboxes.local") == (1, "sandboxes")
    with pytest.raises(SystemExit, match="ringdata.somewhere_new: in no layer"):
        part_of("ringdata.somewhere_new")


def test_every_third_party_import_is_declared():
    """A package imported directly must be a dependency of ours, not arrive as another's."""
    import ast
    import tomllib
    from importlib.metadata import packages_distributions

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_dist(r) for r in meta["dependencies"]}
    declared |= {_dist(r) for extra in meta["optional-dependencies"].values() for r in extra}
    ours = {"ringdata", "rewards", "sandboxes", "train"}
    owners = packages_distributions()
    missing = {}
    for package in ours:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and not node.level and node.module else [])
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in ours or top == "__future__":
                        continue
                    dists = {_dist(d) for d in owners.get(top, [top])}
                    if not dists & declared:
                        missing.setdefault(top, str(path.relative_to(ROOT)))
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def _dist(requirement: str) -> str:
    """`math-verify[antlr4_13_2]>=0.7` -> `math_verify` (names compared as PEP 503 normalises them)."""
    import re

    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("-", "_").replace(".", "_")
