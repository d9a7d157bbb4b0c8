"""ringdata's graders as the reward functions trainers load: verl's `compute_score` and TRL's
`reward_funcs`, graded here (a process-wide `Grader`) or by `ringdata serve` (`server_url`).

verl (`custom_reward_function` in its trainer config; the README has the lines):

    compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> float

TRL (`GRPOTrainer(reward_funcs=[RewardFunction()])`, or `AsyncRewardFunction()`): called with
`prompts`, `completions` and the dataset's columns, returns one float per completion, or None
where the row is not gradable (TRL's "not applicable").

Where the problem comes from
- ringdata problem columns (`domain` plus `answer`, `choices`, `tests`, `language`,
  `entry_point`, `metadata`: a curated problems.parquet loaded as a dataset), or
- verl's `(data_source, ground_truth, extra_info)`: a ground truth holding tests is code
  (`{"inputs": [...], "outputs": [...]}` as verl's and PRIME's code sets store it, verl's
  `{"assert_case": [...]}`, or ringdata's `[{"input", "output"} | {"assert"}]`, as a dict, list or
  JSON string); `extra_info["domain"]` says the domain when given; a data source or extra_info
  naming science (or carrying `choices`, `unit`) is science; anything else is a math answer.

Safe in any thread and free of signals: math and science run in the verifier pool's processes
(rewards/pool.py bounds every call from any thread), code in the sandbox; nothing here raises on
a model's output (a bad row of the data set is reward 0 with reason unparsable_gold, or None for
TRL when it names no domain).
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from rewards.grade import GradeConfig, Grader
from rewards.verdict import Reason, Verdict
from ringdata.core.records import Problem, TestCase

__all__ = ["AsyncRewardFunction", "RewardFunction", "ServerGrader", "compute_score", "problem_from_columns",
           "problem_from_verl"]

DOMAINS = ("math", "science", "code")


def _json(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def _tests_of(truth: Any) -> tuple[TestCase, ...] | None:
    """Tests in one of the ground-truth shapes the module docstring lists, else None."""
    truth = _json(truth)
    if isinstance(truth, dict) and isinstance(truth.get("assert_case"), list):
        return tuple(TestCase(assert_=str(a)) for a in truth["assert_case"])
    if isinstance(truth, dict) and isinstance(truth.get("inputs"), list) and isinstance(truth.get("outputs"), list):
        return tuple(TestCase(input=_text(i), output=_text(o)) for i, o in zip(truth["inputs"], truth["outputs"]))
    if isinstance(truth, dict) and isinstance(truth.get("tests"), list):
        truth = truth["tests"]
    if isinstance(truth, list) and truth and all(isinstance(t, dict) for t in truth):
        return tuple(TestCase.from_dict(t) for t in truth)
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def problem_from_verl(data_source: str, ground_truth: Any, extra_info: dict | None = None) -> Problem:
    """The problem a verl row describes (the module docstring says how)."""
    extra = extra_info if isinstance(extra_info, dict) else {}
    tests = _tests_of(ground_truth)
    named = extra.get("domain") if extra.get("domain") in DOMAINS else None
    science = "science" in str(data_source).lower() or "gpqa" in str(data_source).lower() or "choices" in extra or "unit" in extra
    domain = named or ("code" if tests is not None else "science" if science else "math")
    choices = extra.get("choices")
    return Problem(
        id=str(extra.get("index", extra.get("id", "verl"))), domain=domain, source=str(data_source),
        question=str(extra.get("question", "")), answer=None if tests is not None else _text(ground_truth),
        choices=tuple(map(str, choices)) if isinstance(choices, (list, tuple)) else None, tests=tests,
        entry_point=extra.get("entry_point"), language=extra.get("language"),
        metadata={"unit": extra["unit"]} if isinstance(extra.get("unit"), str) else {},
    )  # fmt: skip


def problem_from_columns(row: dict) -> Problem | None:
    """The problem a dataset row describes: ringdata's problem columns, or verl's columns
    (`data_source`, `ground_truth`/`reward_model`, `extra_info`); None when it names neither."""
    if "ground_truth" in row or isinstance(row.get("reward_model"), dict):
        truth = row["ground_truth"] if "ground_truth" in row else row["reward_model"].get("ground_truth")
        return problem_from_verl(row.get("data_source", ""), truth, row.get("extra_info"))
    if row.get("domain") not in DOMAINS:
        return None
    meta = _json(row.get("metadata")) or {}
    tests = _tests_of(row.get("tests")) if row.get("tests") is not None else None
    return Problem(
        id=str(row.get("id", "row")), domain=row["domain"], source=str(row.get("source", "dataset")),
        question=str(row.get("question", "")), answer=row.get("answer"),
        choices=tuple(row["choices"]) if row.get("choices") is not None else None, tests=tests,
        entry_point=row.get("entry_point"), language=row.get("language"), metadata=meta if isinstance(meta, dict) else {},
    )  # fmt: skip


class ServerGrader:
    """Grades through `ringdata serve`'s /ringdata/grade (the interface of `Grader.grade_many`):
    one request per distinct problem, all its responses in it, up to `concurrency` at once."""

    def __init__(self, url: str, token: str | None = None, timeout_s: float = 600.0, concurrency: int = 8) -> None:
        self.url = url.rstrip("/").removesuffix("/run_code")
        self.token, self.timeout_s = token, timeout_s
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="ringdata-reward")

    def _post(self, problem: Problem, responses: list[str]) -> list[Verdict]:
        row = {k: v for k, v in problem.to_row().items() if k in ("id", "domain", "source", "question", "answer",
               "choices", "tests", "entry_point", "language") and v is not None}  # fmt: skip
        row["metadata"] = problem.metadata
        body = json.dumps({"problem": row, "responses": responses}).encode()
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        request = urllib.request.Request(f"{self.url}/ringdata/grade", body, headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310 - the user's URL
            rows = json.load(answer)["rows"]
        return [Verdict(r["reward"], r["correct"], Reason(r["reason"]), r["extracted"], r["detail"] or "",
                        r["pass_fraction"]) for r in rows]  # fmt: skip

    def grade_many(self, items: Sequence[tuple[Problem, str]]) -> list[Verdict]:
        groups: dict[str, list[int]] = {}
        for i, (problem, _) in enumerate(items):
            groups.setdefault(json.dumps(problem.to_row(), sort_keys=True), []).append(i)
        verdicts: list[Verdict | None] = [None] * len(items)
        futures = {self._pool.submit(self._post, items[idx[0]][0], [items[i][1] for i in idx]): idx
                   for idx in groups.values()}
        for future, idx in futures.items():
            try:
                got = future.result()
            except Exception as exc:  # noqa: BLE001 - the service is down or refused: reward 0, said why
                got = [Verdict.wrong(Reason.VERIFIER_ERROR, detail=f"ringdata serve: {type(exc).__name__}: {exc}"[:300])] * len(idx)
            for i, verdict in zip(idx, got):
                verdicts[i] = verdict
        return verdicts  # type: ignore[return-value]

    def close(self) -> None:
        self._pool.shutdown(wait=False)


_GRADERS: dict[Any, Any] = {}
_GRADERS_LOCK = threading.Lock()


def _grader(server_url: str | None, token: str | None, config: GradeConfig | None):
    """One grader per (url, token) or config in this process, made on first use."""
    from rewards.pool import shared

    if server_url:
        key = ("server", server_url, token)
        with _GRADERS_LOCK:
            if key not in _GRADERS:
                _GRADERS[key] = ServerGrader(server_url, token)
            return _GRADERS[key]
    config = config or GradeConfig(workers=2)
    return shared(("adapters", config), lambda: Grader(config))


def compute_score(data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None,
                  server_url: str | None = None, token: str | None = None, **kwargs: Any) -> float:
    """verl's custom reward function: the reward ringdata gives `solution_str` (1.0 or 0.0).
    `server_url` (and `token`), from verl's `custom_reward_function.reward_kwargs`, grade through
    `ringdata serve`; without them, in this process. Other keyword arguments are ignored."""
    problem = problem_from_verl(data_source, ground_truth, extra_info)
    return _grader(server_url, token, None).grade_many([(problem, solution_str or "")])[0].reward


def _completion_text(completion: Any) -> str:
    """TRL passes text, or for conversational data sets a list of messages: the last content."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        content = completion[-1].get("content")
        if isinstance(content, list):  # multimodal parts: the text ones
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        return content if isinstance(content, str) else ""
    return ""


_TRL_ONLY = {"trainer_state", "log_extra", "log_metric", "environments", "completion_ids"}


class RewardFunction:
    """TRL's `reward_funcs` entry: `GRPOTrainer(..., reward_funcs=[RewardFunction()])`.
    Every completion is graded against its row's problem (`problem_from_columns`); rows without
    one get None. With TRL's `log_extra`, the reasons go to the completions table as
    `ringdata_reason`."""

    __name__ = "ringdata"  # TRL names the reward's metrics after it

    def __init__(self, server_url: str | None = None, token: str | None = None, config: GradeConfig | None = None) -> None:
        self.server_url, self.token, self.config = server_url, token, config

    def __call__(self, prompts: list | None = None, completions: list | None = None, **columns: Any) -> list[float | None]:
        return self._grade(completions or [], columns)

    def _grade(self, completions: list, columns: dict) -> list[float | None]:
        log_extra = columns.get("log_extra")
        data = {k: v for k, v in columns.items() if k not in _TRL_ONLY and isinstance(v, list)}
        rows = [{k: v[i] for k, v in data.items() if i < len(v)} for i in range(len(completions))]
        problems = [problem_from_columns(r) for r in rows]
        todo = [i for i, p in enumerate(problems) if p is not None]
        verdicts = _grader(self.server_url, self.token, self.config).grade_many(
            [(problems[i], _completion_text(completions[i])) for i in todo])
        rewards: list[float | None] = [None] * len(completions)
        reasons = ["not_applicable"] * len(completions)
        for i, verdict in zip(todo, verdicts):
            rewards[i], reasons[i] = verdict.reward, verdict.reason.value
        if callable(log_extra):
            log_extra("ringdata_reason", reasons)
        return rewards


class AsyncRewardFunction(RewardFunction):
    """The same as an async callable: TRL runs it on its event loop beside other async rewards,
    and the grading itself runs on a worker thread."""

    async def __call__(self, prompts: list | None = None, completions: list | None = None, **columns: Any) -> list[float | None]:
        return await asyncio.to_thread(self._grade, completions or [], columns)
