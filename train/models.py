"""Model directories: the names of the models the project builds itself, the one check that a path is a transformers model dir, the one way a model
named by directory or by Hugging Face Hub id is found, and the one way its tokenizer is loaded
(trainer, rollout backends, checkpoint probe and `ringdata rollout` alike).

    resolve_model("runs/demo/math/final")         # a transformers model directory
    resolve_model("Qwen/Qwen2.5-0.5B-Instruct")   # the cached snapshot of that repo (HF_HUB_CACHE)
    resolve_model("tiny")                         # built on first use (train/tiny.py, train/chain.py)

Nothing is downloaded: ringdata runs where hubs may be unreachable, and a run that starts by
fetching 15 GB is a surprise. The error says which of three things went wrong: the path does not
exist (and the id is not cached), the path exists but holds no model, or the cached snapshot holds
no model."""

from __future__ import annotations

from pathlib import Path

from ringdata.errors import RingdataError

__all__ = ["BUILT", "check_model_dir", "is_built", "load_tokenizer", "resolve_model"]
MODEL_FILE = "config.json"  # what makes a directory a transformers model directory
BUILT = {  # model names the project builds itself, fitted on CPU on first use into the user cache
    "tiny": "the toy-arithmetic demo model (train/tiny.py)",
    "tiny-chain": "the chained-arithmetic model that shows its work (train/chain.py)",
}
BUILT_CACHE = Path("~/.cache/ringdata")  # where built models are kept (the CLI passes RINGDATA_CACHE)


def is_built(name: str | Path) -> bool:
    """Whether `name` is one of the models the project builds (no directory, no Hub id)."""
    return str(name) in BUILT


def built_model_dir(name: str, cache_root: Path = BUILT_CACHE) -> Path:
    """The directory of the built model `name`, fitted into `cache_root` on first use."""
    if name == "tiny":
        from train.tiny import tiny_model_dir

        return Path(tiny_model_dir(cache_root))
    from train.chain import chain_model_dir

    return Path(chain_model_dir(cache_root))


def check_model_dir(path: Path | str, *, hint: str = "") -> Path:
    """`path` as a Path when it holds a transformers model (its config.json), else a one-line
    `RingdataError` naming it. Nothing is downloaded: ringdata reads local directories only."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise RingdataError(f"{path}: not a transformers model dir (no config.json){hint}")
    return path


def load_tokenizer(model_dir: Path):
    """The model directory's own tokenizer, offline; a model without a pad token pads with EOS
    (batches need one; the pad positions are masked everywhere they are used)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def resolve_model(name: str | Path, cache_dir: str | Path | None = None, *, built_cache: Path = BUILT_CACHE) -> Path:
    """The model directory `name` names: a built model (`BUILT`, in `built_cache`, fitted on first
    use), a directory when it exists, else the cached snapshot of the Hub repo `name` (in
    `cache_dir`, default the Hugging Face cache). Raises `RingdataError`."""
    if is_built(name):
        return built_model_dir(str(name), built_cache)
    path = Path(name).expanduser()
    if path.exists():
        if (path / MODEL_FILE).is_file():
            return path
        what = "a file" if path.is_file() else f"a directory without {MODEL_FILE}"
        raise RingdataError(f"model {str(name)!r} is {what}, not a transformers model directory "
                            f"(config.json, weights, tokenizer files)")
    snapshot = _cached_snapshot(str(name), cache_dir)
    if snapshot is None:
        raise RingdataError(f"model {str(name)!r}: no such directory, and no Hub repo of that name in the "
                            f"Hugging Face cache ({_cache_name(cache_dir)}); download it first "
                            f"(`hf download {name}`) or pass a model directory")
    if not (snapshot / MODEL_FILE).is_file():
        raise RingdataError(f"model {str(name)!r}: the cached snapshot {snapshot} has no {MODEL_FILE}, so it "
                            "is not a transformers model (a dataset, or a partial download?)")
    return snapshot


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
