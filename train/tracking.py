"""Experiment tracking, as users of TRL and verl expect it: `--report-to tensorboard|wandb|none`.

metrics.jsonl (train/metrics.py) stays the record of a run; a tracker mirrors each step record to
a dashboard. Both backends are optional extras (`pip install 'ringdata[tensorboard]'`,
`'ringdata[wandb]'`), imported only when asked for.

- tensorboard: event files in RUN_DIR/tensorboard (`tensorboard --logdir RUN_DIR`);
- wandb: a run named after RUN_DIR with the config; wandb's own WANDB_MODE=offline keeps it local
  (`wandb sync` uploads it later), files under RUN_DIR/wandb.

Scalars are named `<stage>/<key>` (nested dicts flattened: `math/reward_by_domain/math`) and
plotted against one global step that runs on across stages, as the report does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ringdata.core.errors import RingdataError

TRACKERS = ("none", "tensorboard", "wandb")
SKIP_KEYS = ("kind", "step", "stage", "loss_kind")  # labels, not scalars


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a metrics record as `a/b/c` -> float (booleans and strings skipped)."""
    out: dict[str, float] = {}
    for key, value in record.items():
        if not prefix and key in SKIP_KEYS:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}/"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


class Tracker:
    """Turns the trainer's step records into scalars at a global step (no backend: `none`).
    `offsets` maps each stage to the steps of the stages before it in the plan, so a resumed run
    logs at the same global steps as one that never stopped."""

    def __init__(self, offsets: Mapping[str, int] | None = None) -> None:
        self.offsets = dict(offsets or {})

    def step_record(self, record: Mapping[str, Any]) -> None:
        """Log one metrics.jsonl step record (the trainer's `on_step` hook)."""
        stage = record.get("stage")
        scalars = {f"{stage}/{k}": v for k, v in flatten(record).items()}
        self.log(scalars, self.offsets.get(stage, 0) + int(record.get("step", 0)))

    def log(self, scalars: dict[str, float], step: int) -> None:  # noqa: B027 - `none` logs nothing
        pass

    def close(self) -> None:  # noqa: B027
        pass


def check_tracker(kind: str) -> None:
    """Raise unless `--report-to kind` can run here: a known name whose package is installed.
    Called before a run starts, so a missing extra never costs a run (or, under --overwrite, the
    earlier one)."""
    if kind not in TRACKERS:
        raise RingdataError(f"--report-to is {kind!r}; choose {', '.join(TRACKERS)}")
    try:
        if kind == "tensorboard":
            from torch.utils.tensorboard import SummaryWriter  # noqa: F401
        elif kind == "wandb":
            import wandb  # noqa: F401
    except ImportError:
        raise RingdataError(f"--report-to {kind} needs the {kind} package: pip install 'ringdata[{kind}]'") from None


class TensorBoardTracker(Tracker):
    def __init__(self, log_dir: Path, config: Mapping[str, Any], offsets: Mapping[str, int]) -> None:
        super().__init__(offsets)
        check_tracker("tensorboard")
        from torch.utils.tensorboard import SummaryWriter
        import json

        self.writer = SummaryWriter(log_dir=str(log_dir))
        self.writer.add_text("config", "```\n" + json.dumps(config, indent=1, default=str) + "\n```")

    def log(self, scalars: dict[str, float], step: int) -> None:
        for name, value in scalars.items():
            self.writer.add_scalar(name, value, step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class WandbTracker(Tracker):
    def __init__(self, run_dir: Path, config: Mapping[str, Any], offsets: Mapping[str, int], project: str) -> None:
        super().__init__(offsets)
        check_tracker("wandb")
        import wandb

        self.wandb = wandb
        self.run = wandb.init(project=project, name=Path(run_dir).name, dir=str(run_dir), config=dict(config))

    def log(self, scalars: dict[str, float], step: int) -> None:
        self.run.log(scalars, step=step)

    def close(self) -> None:
        self.run.finish()


def stage_offsets(plan) -> dict[str, int]:
    """Each planned stage's first global step minus one: the steps of the stages before it."""
    offsets, total = {}, 0
    for stage in plan:
        offsets[stage.name], total = total, total + stage.steps
    return offsets


def make_tracker(kind: str, run_dir: Path, config: Mapping[str, Any], plan=(), *, project: str = "ringdata") -> Tracker:
    """The tracker `--report-to kind` asks for, writing under `run_dir`; `plan` is the stages in
    the order they run (for the global step)."""
    check_tracker(kind)
    offsets = stage_offsets(plan)
    if kind == "tensorboard":
        return TensorBoardTracker(Path(run_dir) / "tensorboard", config, offsets)
    if kind == "wandb":
        Path(run_dir).mkdir(parents=True, exist_ok=True)
        return WandbTracker(Path(run_dir), config, offsets, project)
    return Tracker(offsets)
