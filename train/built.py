"""The models the project builds itself (no download anywhere), by name: on first use copied into
the user cache (ringdata.core.cache) from data/models/, where the project ships the current
recipe's fit, or else fitted there on CPU (`train.tiny.cached_build`); reused after. Above
train.models and the rollout backends (a build measures its fit by sampling), so nothing below
imports this module.

    built_model_dir("tiny")        # train/tiny.py: the toy-arithmetic demo model
    built_model_dir("tiny-chain")  # train/chain.py: chained arithmetic that shows its work
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["BUILT", "built_model_dir", "is_built", "model_dir"]


def _tiny(cache_root: Path | None, progress) -> Path:
    from train.tiny import tiny_model_dir

    return Path(tiny_model_dir(cache_root, progress=progress))


def _chain(cache_root: Path | None, progress) -> Path:  # its fit (a few minutes) shows no steps
    from train.chain import chain_model_dir

    return Path(chain_model_dir(cache_root))


# model names the project builds itself, fitted on CPU on first use into the user cache: the one
# place a name is tied to its builder (config, CLI, loop and benchmarks ask `is_built`)
BUILT: dict[str, tuple[str, Callable[[Path | None, object], Path]]] = {
    "tiny": ("the toy-arithmetic demo model (train/tiny.py)", _tiny),
    "tiny-chain": ("the chained-arithmetic model that shows its work (train/chain.py)", _chain),
}


def is_built(name: str | Path) -> bool:
    """Whether `name` is one of the models the project builds (no directory, no Hub id)."""
    return str(name) in BUILT


def built_model_dir(name: str, cache_root: Path | None = None, *, progress=None) -> Path:
    """The directory of the built model `name`, fitted into `cache_root` on first use (None:
    `ringdata.core.cache.cache_root()`); `progress` (ringdata.core.progress.make_progress) shows the fit."""
    if name not in BUILT:
        from ringdata.core.errors import RingdataError

        raise RingdataError(f"{name!r} is not a model the project builds ({', '.join(BUILT)}); "
                            "name a transformers model directory or a cached Hub id instead")
    _, build = BUILT[name]
    return build(cache_root, progress)


def model_dir(name: str | Path) -> Path:
    """A built model's directory (fitted on first use), else train.models.resolve_model(name)."""
    from train.models import resolve_model

    return built_model_dir(str(name)) if is_built(name) else resolve_model(name)
