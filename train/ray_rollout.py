"""Rollouts from N engines on a Ray cluster (`rollout_workers = N` in a training config).

    engines = RayRollout("vllm", model_dir, workers=4, address="auto", seed=0)
    rollouts = engines.generate(prompts, SamplingConfig(n=16, seed=7))   # as one engine would
    engines.push_weights(policy.state_dict())                           # every engine, one copy

Each engine is a Ray actor holding one backend (train/rollout.py `make_backend`: vLLM or
transformers), placed by Ray's SPREAD strategy across nodes. A request's prompts are cut into N
contiguous shares, one per engine, and the rollouts come back in prompt order with the request's
prompt indices: the interface of one `RolloutBackend`.

Same samples as one engine: with vLLM every prompt carries its own seed, derived from the
request's seed and the prompt's index in the *whole* request (`SamplingConfig.first_prompt`), so
how the prompts are split does not change what is drawn (tests/train/test_ray_rollout.py asserts
it). transformers seeds a whole call, so its shares draw differently from one engine (the same
distribution, other draws).

Weights: `push_weights` puts the state dict into Ray's object store once (`ray.put`) and every
engine loads it from there (the store ships one copy per node, not per engine); the seconds of
each push are kept in `push_seconds`. The tensors travel as their raw bytes (numpy views, which
the object store writes once and engines on a node map in place) rather than as pickled torch
tensors, which cost a copy into the pickle and another out of it on every engine
(`benchmarks/bench_scaleout.py --push` measures both).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from ringdata.core.errors import RingdataError
from train.backends.base import Rollout, SamplingConfig

__all__ = ["RayRollout"]


class _Engine:
    """One rollout backend in a Ray actor."""

    def __init__(self, kind: str, model_dir: str, max_model_len: int, seed: int, options: dict) -> None:
        from train.rollout import make_backend

        self.backend = make_backend(kind, Path(model_dir), max_model_len=max_model_len, seed=seed, **options)

    def ready(self) -> bool:
        return True

    def generate(self, prompts: list[str], config: SamplingConfig) -> list[Rollout]:
        return self.backend.generate(prompts, config)

    def push_weights(self, state_dict: Mapping[str, Any]) -> None:
        self.backend.push_weights(state_dict)

    def push_raw(self, raw: Mapping[str, tuple]) -> None:
        """Weights as `_raw` wrote them: tensors over the object store's memory, copied once, into the engine."""
        import warnings

        import torch

        with warnings.catch_warnings():  # read-only memory: the backend copies from it, never writes
            warnings.simplefilter("ignore", UserWarning)
            self.backend.push_weights({k: torch.from_numpy(data).view(getattr(torch, dtype)).reshape(shape)
                                       for k, (data, dtype, shape) in raw.items()})

    def close(self) -> None:
        self.backend.close()


class RayRollout:
    """N rollout engines as Ray actors behind the `RolloutBackend` protocol."""

    def __init__(self, kind: str, model_dir: Path, *, workers: int, address: str = "auto",
                 max_model_len: int = 1024, seed: int = 0, cpus_per_engine: float = 1.0,
                 dtype: str = "float32", engine_options: Mapping[str, Any] | None = None) -> None:
        """engine_options: make_backend's engine settings (the trainer's `engine_options`); an engine
        on "cuda" asks Ray for one GPU of its own, so N engines need N GPUs in the cluster."""
        import ray

        from rewards.ray_executor import connect

        options = {"dtype": dtype, **(engine_options or {})}
        self.dtype, self.device = options["dtype"], options.get("device", "cpu")  # RolloutBackend's
        gpus = 1 if options.get("device") == "cuda" else 0
        connect(address)
        have = ray.cluster_resources().get("GPU", 0)
        if gpus and have < workers * gpus:  # Ray would wait for them for ever
            raise RingdataError(f"{workers} rollout engines on cuda need {workers} GPUs; the Ray cluster has {have:g}: "
                                "lower rollout_workers, add GPU nodes, or train on device = \"cpu\"")
        actor = ray.remote(num_cpus=cpus_per_engine, num_gpus=gpus, max_restarts=0)(_Engine)
        self.engines = [actor.options(scheduling_strategy="SPREAD").remote(kind, str(model_dir), max_model_len, seed, options)
                        for _ in range(workers)]
        try:  # loaded: a model that fails to load fails here, and the first push is timed as a push
            ray.get([e.ready.remote() for e in self.engines])
        except ray.exceptions.RayError as exc:
            first = next((line for line in str(exc).splitlines() if "Error" in line), type(exc).__name__).strip()
            self.close()
            raise RingdataError(f"a rollout engine did not start on the Ray cluster ({first[:200]})") from None
        self.push_seconds: list[float] = []  # one entry per push_weights: put + every engine loaded

    def generate(self, prompts: list[str], config: SamplingConfig) -> list[Rollout]:
        """`config.n` rollouts per prompt, grouped by prompt in prompt order, from all engines."""
        import ray

        share = -(-len(prompts) // len(self.engines))  # ceil: contiguous shares, the last shorter
        calls = []
        for start in range(0, len(prompts), share):
            own = replace(config, first_prompt=config.first_prompt + start)
            calls.append((start, self.engines[start // share].generate.remote(prompts[start : start + share], own)))
        rollouts = []
        for start, ref in calls:
            rollouts += [replace(r, prompt_index=start + r.prompt_index) for r in ray.get(ref)]
        return rollouts

    def push_weights(self, state_dict: Mapping[str, Any]) -> None:
        import ray

        started = time.perf_counter()
        ref = ray.put(_raw(state_dict))
        ray.get([e.push_raw.remote(ref) for e in self.engines])
        self.push_seconds.append(time.perf_counter() - started)

    def sleep(self) -> None:  # the engines own their devices, apart from the trainer's
        pass

    def wake_up(self) -> None:
        pass

    def close(self) -> None:
        import ray

        for engine in self.engines:
            try:
                ray.get(engine.close.remote(), timeout=60)
            except Exception:  # noqa: BLE001 - already gone
                pass
            ray.kill(engine, no_restart=True)
        self.engines = []


def _raw(state_dict: Mapping[str, Any]) -> dict[str, tuple]:
    """name -> (the tensor's bytes as a numpy uint8 view, torch dtype name, shape): what Ray's
    object store ships without pickling (a contiguous CPU tensor is not copied here)."""
    import torch

    out, shared = {}, {}
    for name, tensor in state_dict.items():
        t = tensor.detach().cpu().contiguous()
        key = (t.data_ptr(), t.dtype, tuple(t.shape))  # tied weights: one array, so shipped once
        if key not in shared:
            shared[key] = t.reshape(-1).view(torch.uint8).numpy()
        out[name] = (shared[key], str(t.dtype).removeprefix("torch."), tuple(t.shape))
    return out
