"""Model directories: the one check that a path is a transformers model dir, the one way a model
named by directory or by Hugging Face Hub id is found, and the one way its tokenizer is loaded
(trainer, rollout backends, checkpoint probe and `ringdata rollout` alike).

    resolve_model("runs/demo/math/final")         # a transformers model directory
    resolve_model("Qwen/Qwen2.5-0.5B-Instruct")   # the cached snapshot of that repo (HF_HUB_CACHE)

Nothing is downloaded: ringdata runs where hubs may be unreachable, and a run that starts by
fetching 15 GB is a surprise. The error says which of three things went wrong: the path does not
exist (and the id is not cached), the path exists but holds no model, or the cached snapshot holds
no model."""

from __future__ import annotations

import json
from pathlib import Path

from ringdata.core.errors import RingdataError

__all__ = ["check_model_dir", "is_model_dir", "load_tokenizer", "models_below", "resolve_model"]
MODEL_FILE = "config.json"  # what makes a directory a transformers model directory
def is_model_dir(path: Path) -> bool:
    """Whether `path` holds a transformers model: a config.json that names its `model_type`. A
    training stage directory holds a config.json too (the training config), which is not one."""
    try:
        return "model_type" in json.loads((Path(path) / MODEL_FILE).read_text())
    except (OSError, ValueError, TypeError):
        return False


def models_below(path: Path, depth: int = 2) -> list[Path]:
    """Model directories up to `depth` levels under `path` (a run dir's <stage>/final), sorted."""
    found = [p for level in range(1, depth + 1) for p in sorted(Path(path).glob("/".join(["*"] * level)))
             if p.is_dir() and is_model_dir(p)]
    return found[:5]


def check_model_dir(path: Path | str, *, hint: str = "") -> Path:
    """`path` as a Path when it holds a transformers model (its config.json), else a one-line
    `RingdataError` naming it. Nothing is downloaded: ringdata reads local directories only."""
    path = Path(path)
    if not is_model_dir(path):
        raise RingdataError(f"{path}: not a transformers model dir (no model config.json){_below(path)}{hint}")
    return path


def _below(path: Path) -> str:
    """"; the model in it: runs/demo/math/final" when `path` is a run or stage directory."""
    found = models_below(path) if Path(path).is_dir() else []
    if not found:
        return ""
    return f"; the model{'s' if len(found) > 1 else ''} in it: {', '.join(map(str, found))}"


def load_tokenizer(model_dir: Path):
    """The model directory's own tokenizer, offline; a model without a pad token pads with EOS
    (batches need one; the pad positions are masked everywhere they are used)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def resolve_model(name: str | Path, cache_dir: str | Path | None = None) -> Path:
    """The model directory `name` names: a directory when it exists, else the cached snapshot of
    the Hub repo `name` (in `cache_dir`, default the Hugging Face cache). Raises `RingdataError`.
    The models the project builds ("tiny") are train.built's."""
    path = Path(name).expanduser()
    if path.exists():
        if is_model_dir(path):
            return path
        if path.is_file():
            what = "a file"
        elif (path / MODEL_FILE).is_file():
            what = f"a directory whose {MODEL_FILE} is not a model's (a training config?)"
        else:
            what = f"a directory without {MODEL_FILE}"
        raise RingdataError(f"model {str(name)!r} is {what}, not a transformers model directory "
                            f"(config.json, weights, tokenizer files){_below(path)}")
    if not _could_be_repo_id(str(name)):  # a path, not a Hub id: say what is missing, not how to download it
        parent = next((p for p in path.parents if p.exists()), Path("."))
        raise RingdataError(f"model {str(name)!r}: no such directory ({parent if str(parent) != '.' else 'the working directory'} "
                            f"holds no {path.relative_to(parent) if path.is_relative_to(parent) else path}){_below(parent)}")
    snapshot = _cached_snapshot(str(name), cache_dir)
    if snapshot is None:
        raise RingdataError(f"model {str(name)!r}: no such directory, and no Hub repo of that name in the "
                            f"Hugging Face cache ({_cache_name(cache_dir)}); download it first "
                            f"(`hf download {name}`) or pass a model directory")
    if not (snapshot / MODEL_FILE).is_file():
        raise RingdataError(f"model {str(name)!r}: the cached snapshot {snapshot} has no {MODEL_FILE}, so it "
                            "is not a transformers model (a dataset, or a partial download?)")
    return snapshot


def _could_be_repo_id(name: str) -> bool:
    """Whether `name` has the shape of a Hub repo id ("name" or "owner/name"); "runs/x/final",
    "./model" or "/abs/path" cannot be one, so they are paths."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    if name.startswith((".", "/", "~")):
        return False
    try:
        validate_repo_id(name)
    except HFValidationError:
        return False
    return True


def _cached_snapshot(repo_id: str, cache_dir: str | Path | None) -> Path | None:
    """The cached snapshot directory of `repo_id` at its `main` ref, or None (offline only)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, cache_dir=cache_dir, local_files_only=True))
    except (HFValidationError, LocalEntryNotFoundError, ValueError, OSError):
        return None


def _cache_name(cache_dir: str | Path | None) -> str:
    if cache_dir is not None:
        return str(cache_dir)
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)
