"""Data-parallel training over a torch.distributed process group (`torchrun`), and its no-op form.

What is shared and how (train/loop.py uses these):
- rollouts: every rank draws the same L prompts and samples its share (prompts rank::world) with
  its own engine; graded samples are then all-gathered, so every rank runs the same seeded token
  selection and sees the same Phi tokens;
- the budget is global: the selected pieces are dealt out by tokens (`deal`), each rank trains its
  own with weight 1/Phi, and gradients are SUMMED across ranks (FSDP2 averages, so the loss is
  scaled by the world size: gloo has no pre-multiplied sum for `set_gradient_divide_factor`);
- FSDP2 runs a collective in every forward and backward, so ranks with fewer micro-batches run
  zero-weight filler ones (`pad_count`).

A single process needs no process group: `World()` is rank 0 of 1 and every helper is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence, TypeVar

import torch

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def share(self, items: Sequence[T]) -> list[T]:
        """This rank's share of a list every rank holds identically."""
        return list(items[self.rank :: self.size])

    def gather(self, obj: Any) -> list[Any]:
        """Every rank's `obj`, in rank order, on every rank."""
        if self.size == 1:
            return [obj]
        out: list[Any] = [None] * self.size
        torch.distributed.all_gather_object(out, obj)
        return out

    def sum(self, values: Sequence[float]) -> list[float]:
        if self.size == 1:
            return list(values)
        t = torch.tensor(list(values), dtype=torch.float64)
        torch.distributed.all_reduce(t)
        return t.tolist()

    def barrier(self) -> None:
        if self.size > 1:
            torch.distributed.barrier()

    def max_int(self, value: int) -> int:
        if self.size == 1:
            return value
        t = torch.tensor([value])
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return int(t)


def backend(cuda: bool) -> str:
    """The process group's backends. On GPUs, NCCL carries the CUDA tensors (FSDP2's gathers and
    reductions) and gloo the CPU ones: World's sums, maxima, gathered objects and barriers are CPU
    tensors and Python objects, which NCCL alone refuses."""
    return "cpu:gloo,cuda:nccl" if cuda else "gloo"


def join_process_group() -> World:
    """Under torchrun (WORLD_SIZE > 1): this process's place in the process group, one GPU per
    local rank when there are GPUs; a single process otherwise."""
    import os

    if int(os.environ.get("WORLD_SIZE", "1")) == 1:
        return World()
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend(cuda))
    return current_world()


def current_world() -> World:
    """The process group torchrun (or a test) started, or a single process."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return World(torch.distributed.get_rank(), torch.distributed.get_world_size())
    return World()


def deal(sizes: Sequence[int], world: World) -> list[int]:
    """Indices of the items this rank trains: largest first to the least-loaded rank (ties to the
    lower rank), so ranks carry near-equal token counts and every rank computes the same deal."""
    loads = [0] * world.size
    mine = []
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        r = min(range(world.size), key=lambda r: (loads[r], r))
        loads[r] += sizes[i]
        if r == world.rank:
            mine.append(i)
    return sorted(mine)
