"""Grading on a Ray cluster: the verdicts of `rewards.Grader`, computed on every node, for
items held in memory (a training step's responses: `[rewards] executor = "ray"`); a responses
file goes through Ray Data instead (`rewards.ray_stream`, `ringdata grade --ray`).

    with RayGrader(GradeConfig(...), RayConfig(address="auto")) as grader:
        results = grader.grade_many_timed(items, on_done=progress)   # (verdict, seconds), input order

What runs where
- Every node with CPUs gets one *sandbox actor*, which owns that node's sandbox (the warm Docker
  pool, or bubblewrap where no engine runs: `GradeConfig.sandbox` is resolved on the node), and
  `verifiers_per_node` *verifier actors*, each with its own `VerifierPool` of processes sized to
  the node's CPUs. Both are `rewards.Grader`s, so a verdict and its reason are the local path's.
- The driver splits the items into batches (code with text to sandbox actors, everything else to
  verifier actors), keeps at most `in_flight` batches per actor (backpressure: memory on the
  driver and in the object store stays bounded) and writes each batch's results at its input
  indices.

Faults
- An actor that dies, or a node that leaves, fails only its unfinished batches; they go back to the
  front of the queue and run on another actor (the dead one is replaced while its node lives). A
  result is stored only when its whole batch came back, so an item is never lost and never counted
  twice, and a worker's death never becomes the submission's verdict. After `max_attempts` failures
  of one batch, or with no node left, grading stops with a `RingdataError` (infrastructure), not
  with verdicts.
- Not covered: the driver itself dying (`ringdata grade --resume` restarts from the written parts).

Every node needs ringdata installed and, for Docker, the `ringdata-sandbox` image built there.
"""

from __future__ import annotations

import logging
import math
import os
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Callable

from rewards.grade import BatchGrader, GradeConfig, Grader, _has_text
from rewards.verdict import Verdict
from ringdata.core.errors import RingdataError
from ringdata.core.records import Problem

__all__ = ["RayConfig", "RayGrader", "connect"]

SANDBOX, VERIFIER = "sandbox", "verifier"


@dataclass(frozen=True)
class RayConfig:
    address: str = "auto"  # "auto": the running cluster (RAY_ADDRESS, or one on this host), else start one here
    verifiers_per_node: int = 1  # verifier actors per node, each with a pool of CPUs/this processes
    code_batch: int = 32  # code submissions per actor call (a Docker exec takes 8; the round trip ~ms)
    verifier_batch: int = 128  # math/science responses per actor call; `grade --ray`: rows per Ray Data batch
    in_flight: int = 2  # batches queued per actor: one running, one ready, so an actor never waits
    max_attempts: int = 4  # tries per batch before grading stops with an infrastructure error


def connect(address: str = "auto") -> None:
    """Join the Ray cluster at `address` ("auto": the running one, else a new one on this host)."""
    try:
        import ray
    except ImportError:
        raise RingdataError("Ray is not installed: pip install 'ringdata[ray]'") from None
    if ray.is_initialized():
        return
    if address != "auto" and not _reachable(address):  # ray.init would retry for minutes
        raise RingdataError(f"no Ray cluster answers at {address}: start one with `ray start --head`, or use --ray auto")
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING, "configure_logging": True}
    try:
        ray.init(address=address, **quiet)
    except ConnectionError:
        if address != "auto":
            raise RingdataError(f"no Ray cluster at {address}: start one with `ray start --head`") from None
        ray.init(include_dashboard=False, **quiet)


def _reachable(address: str, timeout_s: float = 5.0) -> bool:
    """Whether anything listens at `address` (host:port or ray://host:port)."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s):
            return True
    except (OSError, ValueError):
        return False


class _GradeActor:
    """A `Grader` on one node (a Ray actor). Sandbox actors get code, verifier actors the rest."""

    def __init__(self, config: GradeConfig) -> None:
        os.environ.setdefault("TQDM_DISABLE", "1")
        self.grader = Grader(config)

    def grade(self, items: list[tuple[Problem, str]]) -> list[tuple[Verdict, float]]:
        return self.grader.grade_many_timed(items)

    def close(self) -> None:
        self.grader.close()  # the warm containers and verifier processes go with it


@dataclass
class _Actor:
    handle: Any
    role: str  # SANDBOX | VERIFIER
    node: str  # the Ray node id it is pinned to
    busy: int = 0  # batches sent and not yet returned


@dataclass
class _Batch:
    role: str
    index: list[int]  # input positions
    attempts: int = 0


class RayGrader(BatchGrader):
    """Grades (problem, response) pairs on a Ray cluster; the interface of `rewards.Grader`."""

    def __init__(self, config: GradeConfig | None = None, ray_config: RayConfig | None = None) -> None:
        self.config = config or GradeConfig()
        self.ray_config = ray_config or RayConfig()
        connect(self.ray_config.address)
        self._actors: list[_Actor] = []
        self.retried = 0  # items whose batch failed on a dead actor or node and ran again
        self._refresh()

    # ---- actors --------------------------------------------------------------------------------

    def _nodes(self) -> dict[str, float]:
        """Live nodes with CPUs: node id -> CPUs."""
        import ray

        return {n["NodeID"]: n["Resources"].get("CPU", 0.0) for n in ray.nodes()
                if n["Alive"] and n["Resources"].get("CPU", 0.0) > 0}

    def _refresh(self) -> None:
        """One sandbox actor and `verifiers_per_node` verifier actors on every live node."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        nodes = self._nodes()
        self._actors = [a for a in self._actors if a.node in nodes]
        cls = ray.remote(num_cpus=0, max_restarts=0)(_GradeActor)
        per_node = self.ray_config.verifiers_per_node
        for node, cpus in nodes.items():
            mine = [a for a in self._actors if a.node == node]
            where = NodeAffinitySchedulingStrategy(node, soft=False)
            if not any(a.role == SANDBOX for a in mine):
                handle = cls.options(scheduling_strategy=where).remote(self.config)
                self._actors.append(_Actor(handle, SANDBOX, node))
            workers = max(1, math.floor(cpus / per_node))
            for _ in range(per_node - sum(a.role == VERIFIER for a in mine)):
                handle = cls.options(scheduling_strategy=where).remote(replace(self.config, workers=workers))
                self._actors.append(_Actor(handle, VERIFIER, node))
        if not self._actors:
            raise RingdataError("the Ray cluster has no live node with CPUs to grade on")

    def _drop(self, actor: _Actor) -> None:
        import ray

        if actor in self._actors:
            self._actors.remove(actor)
            ray.kill(actor.handle, no_restart=True)

    @property
    def nodes(self) -> int:
        return len({a.node for a in self._actors})

    # ---- grading -------------------------------------------------------------------------------

    def grade_many(self, items: list[tuple[Problem, str]], on_done: Callable[[int], None] | None = None) -> list[Verdict]:
        return [v for v, _ in self.grade_many_timed(items, on_done)]

    def grade_many_timed(
        self, items: list[tuple[Problem, str]], on_done: Callable[[int], None] | None = None
    ) -> list[tuple[Verdict, float]]:
        """(verdict, seconds) in input order, as `Grader.grade_many_timed` gives them."""
        import ray
        from ray.exceptions import RayTaskError

        results: list[tuple[Verdict, float] | None] = [None] * len(items)
        queues = self._batches(items)
        pending: dict[Any, tuple[_Actor, _Batch]] = {}
        done = on_done or (lambda n: None)
        while any(queues.values()) or pending:
            self._submit(items, queues, pending)
            if not pending:  # work left, and no actor of its role: a node went away
                self._refresh()
                self._submit(items, queues, pending)
                if not pending:
                    raise RingdataError("no Ray actor can take the remaining batches")
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                actor, batch = pending.pop(ref)
                actor.busy -= 1
                try:
                    out = ray.get(ref)
                except RayTaskError:
                    raise  # our own code raised on the node: a bug to see, not a fault to retry
                except ray.exceptions.RayError as exc:
                    self._lost(actor, batch, queues, exc)
                    continue
                for i, result in zip(batch.index, out):
                    assert results[i] is None, f"item {i} graded twice"
                    results[i] = result
                done(len(batch.index))
        return results  # type: ignore[return-value]

    def _batches(self, items: list[tuple[Problem, str]]) -> dict[str, deque[_Batch]]:
        """Code with text for the sandbox actors, the rest for the verifier actors; batches small
        enough that every actor of a role gets work."""
        idx = {SANDBOX: [], VERIFIER: []}
        for i, (problem, response) in enumerate(items):
            idx[SANDBOX if problem.domain == "code" and _has_text(response) else VERIFIER].append(i)
        cap = {SANDBOX: self.ray_config.code_batch, VERIFIER: self.ray_config.verifier_batch}
        queues: dict[str, deque[_Batch]] = {}
        for role, index in idx.items():
            actors = max(1, sum(a.role == role for a in self._actors))
            size = max(1, min(cap[role], math.ceil(len(index) / (self.ray_config.in_flight * actors))))
            queues[role] = deque(_Batch(role, index[s : s + size]) for s in range(0, len(index), size))
        return queues

    def _submit(self, items, queues, pending) -> None:
        """Fill every actor up to `in_flight` batches of its role."""
        for actor in list(self._actors):
            queue = queues[actor.role]
            while queue and actor.busy < self.ray_config.in_flight:
                batch = queue.popleft()
                ref = actor.handle.grade.remote([items[i] for i in batch.index])
                pending[ref] = (actor, batch)
                actor.busy += 1

    def _lost(self, actor: _Actor, batch: _Batch, queues, exc: Exception) -> None:
        """A batch whose actor or node died: back to the front of its queue, the actor replaced."""
        batch.attempts += 1
        if batch.attempts >= self.ray_config.max_attempts:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RingdataError(f"a batch of {len(batch.index)} failed on {batch.attempts} Ray workers ({first}); "
                                "check the cluster: `ray status`")
        self.retried += len(batch.index)
        queues[batch.role].appendleft(batch)
        self._drop(actor)
        self._refresh()

    def close(self) -> None:
        import ray

        for actor in self._actors:
            try:
                ray.get(actor.handle.close.remote(), timeout=60)
            except Exception:  # noqa: BLE001 - already gone, or its node is
                pass
            ray.kill(actor.handle, no_restart=True)
        self._actors = []

    def __enter__(self) -> "RayGrader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
