"""Rewards for the trainer and the checkpoint probe, from the real graders."""

from __future__ import annotations

from rewards import BatchGrader, GradeConfig, Grader, Verdict
from ringdata.core.records import Problem
from sandboxes import SandboxChoice

__all__ = ["Rewarder"]


class Rewarder:
    """Verdicts from the real graders (`rewards.Grader`): math and science in its verifier pool,
    code in the sandbox. A verdict carries its reward and its reason, which the trainer tallies
    per step (`reward_by_reason`): what a user debugging a reward curve needs."""

    def __init__(self, sandbox: SandboxChoice = SandboxChoice(), workers: int = 2, *, executor: str = "local",
                 ray_address: str = "auto") -> None:
        config = GradeConfig(workers=workers, sandbox=sandbox)
        self.grader: BatchGrader
        if executor == "ray":  # verifier and sandbox actors on every node of the cluster
            from rewards.ray_executor import RayConfig, RayGrader

            self.grader = RayGrader(config, RayConfig(address=ray_address))
        else:
            self.grader = Grader(config)

    def __call__(self, items: list[tuple[Problem, str]]) -> list[Verdict]:
        """One verdict per (problem, response), in order."""
        return list(self.grader.grade_many(items)) if items else []

    def close(self) -> None:
        self.grader.close()
