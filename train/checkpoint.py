"""Checkpoints: everything a stopped run needs to continue as if it had never stopped.

RUN_DIR/<stage>/checkpoints/step_000020/
    model.safetensors   policy weights (safetensors; tied weights stored once)
    optimizer.pt        AdamW moments and the LR scheduler
    state.pt            the `TrainState` (step, data cursor, carried-over responses, queued Phi
                        selections, the stage's first held-out reward), Python and torch RNG states
    state.json          step and cursor, for people
A checkpoint directory is written under a temporary name and renamed when complete, so a run
killed mid-save never leaves a half checkpoint that `--resume` would pick up.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_model, save_model

from train.budget import Sample, Selection

PREFIX = "step_"


@dataclass
class TrainState:
    """What a stage's loop carries from one step to the next, and exactly what a checkpoint saves
    of it (beside the weights, the optimizer and the RNG states): a resumed run given this state
    replays the same rollouts and selections as one that never stopped."""

    step: int = 0  # optimizer steps done in this stage
    cursor: int = 0  # problems drawn so far from the stage's endless shuffled stream (train/collect.py `draw`)
    carried: list[Sample] = field(default_factory=list)  # responses kept for the next step (carry_over)
    queue: list[tuple[Selection, dict]] = field(default_factory=list)  # Phi selections (with their metrics)
    # still to train from the last rollout batch (updates_per_rollout > 1)
    eval_before: float | None = None  # held-out reward before the stage's first step


def save_checkpoint(stage_dir: Path, model, optimizer, scheduler, state: TrainState, keep: int = 2) -> Path:
    """Write checkpoint `state.step`; keep only the newest `keep` (at least 1)."""
    step = state.step
    root = Path(stage_dir) / "checkpoints"
    final = root / f"{PREFIX}{step:06d}"
    tmp = root / f".tmp_{PREFIX}{step:06d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_model(model, str(tmp / "model.safetensors"))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp / "optimizer.pt")
    full = {f.name: getattr(state, f.name) for f in fields(TrainState)}
    full["carried"] = [asdict(s) for s in state.carried]  # plain data, not pickled classes
    full.update(python_rng=random.getstate(), torch_rng=torch.get_rng_state())
    torch.save(full, tmp / "state.pt")
    (tmp / "state.json").write_text(json.dumps({"step": step, "cursor": state.cursor}, indent=1))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in list_checkpoints(stage_dir)[: -max(keep, 1)]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def list_checkpoints(stage_dir: Path) -> list[Path]:
    root = Path(stage_dir) / "checkpoints"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX))


def latest_checkpoint(stage_dir: Path) -> Path | None:
    found = list_checkpoints(stage_dir)
    return found[-1] if found else None


def load_checkpoint(path: Path, model, optimizer, scheduler) -> TrainState:
    """Restore weights, optimizer, scheduler and RNG states in place; returns the trainer state."""
    path = Path(path)
    load_model(model, str(path / "model.safetensors"))
    opt = torch.load(path / "optimizer.pt", weights_only=False)
    optimizer.load_state_dict(opt["optimizer"])
    scheduler.load_state_dict(opt["scheduler"])
    state = torch.load(path / "state.pt", weights_only=False)
    random.setstate(state.pop("python_rng"))
    torch.set_rng_state(state.pop("torch_rng"))
    state["carried"] = [_sample(d) for d in state.get("carried", [])]
    return TrainState(**state)


def _sample(d: dict[str, Any]) -> Sample:
    return Sample(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


RUN_OUTPUTS = ("report.png", "report.html", "tensorboard", "wandb")  # written beside the stage dirs


def claim_run_dir(run_dir: Path, stages: list[str], *, resume: bool = False, overwrite: bool = False) -> None:
    """Make `run_dir` ready for a run of `stages`, before any model is loaded: a run already there
    is continued (`resume`), replaced (`overwrite`: its stage dirs and reports are deleted), or
    left alone with an error saying which flag to pass. Never silently trained over."""
    from ringdata.core.errors import RingdataError

    run_dir = Path(run_dir)
    if resume and overwrite:
        raise RingdataError("--resume continues the run in --out and --overwrite replaces it: pass one")
    if run_dir.exists() and not run_dir.is_dir():
        raise RingdataError(f"{run_dir} is a file, but --out names a run directory; choose another --out")
    taken = [run_dir / s for s in stages if (run_dir / s).exists()]
    if resume:
        if not taken:
            raise RingdataError(f"--resume: {run_dir} holds no run of these stages ({', '.join(stages)}); "
                                "drop --resume to start one")
        return
    if taken and not overwrite:
        raise RingdataError(f"{run_dir} already holds a run ({', '.join(p.name for p in taken)}); pass --resume "
                            "to continue it or --overwrite to replace it, or choose another --out")
    for path in [*taken, *(run_dir / name for name in RUN_OUTPUTS)]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
