"""Model directories: the one check that a path is a transformers model dir, and the one way its
tokenizer is loaded (trainer, rollout backends, checkpoint probe and `ringdata rollout` alike)."""

from __future__ import annotations

from pathlib import Path

from ringdata.errors import RingdataError

__all__ = ["check_model_dir", "load_tokenizer"]


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
