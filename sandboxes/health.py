"""Is the sandbox ready? The image's state against this checkout's recipe, and a smoke test that
grades one right program per language the backend runs and one wrong one.

`ringdata sandbox status` draws these as a table; the decisions are made here, not in the CLI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

from ringdata.core.errors import RingdataError
from ringdata.core.records import TestCase
from sandboxes import SandboxChoice, Submission, open_sandbox
from sandboxes.docker_backend import DockerConfig
from sandboxes.image import current_recipe, image_languages, image_recipe


class ImageState(str, Enum):
    MISSING = "missing"  # no image of that tag: `ringdata sandbox build`
    STALE = "stale"  # built by another recipe than this checkout's: `ringdata sandbox build --force`
    PRESENT = "present"  # built by this checkout's recipe


@dataclass(frozen=True)
class ImageHealth:
    state: ImageState
    recipe: str | None  # the image's recipe label; None when missing, "" when unlabelled
    current: str  # the recipe image/build.sh builds now
    languages: frozenset[str] = frozenset()  # what the image runs (its label)


def image_health(c, image: str) -> ImageHealth:
    """The state of `image` on the engine `c` (sandboxes.image.client())."""
    recipe, current = image_recipe(c, image), current_recipe()
    if recipe is None:
        return ImageHealth(ImageState.MISSING, None, current)
    state = ImageState.PRESENT if recipe == current else ImageState.STALE
    return ImageHealth(state, recipe, current, image_languages(c, image))


# The smoke test: a+b in each language (right), and a Python program that prints 0 (wrong).
SMOKE_TESTS = (TestCase(input="20 22\n", output="42\n"),)
SMOKE_RIGHT = {
    "python": "print(sum(map(int, input().split())))",
    "cpp": "#include <cstdio>\nint main() { int a, b; scanf(\"%d %d\", &a, &b); printf(\"%d\\n\", a + b); }",
    "java": "public class Main { public static void main(String[] a) { java.util.Scanner s = new java.util.Scanner(System.in); "
            "System.out.println(s.nextInt() + s.nextInt()); } }",
}  # fmt: skip
SMOKE_WRONG = "print(0)"


@dataclass(frozen=True)
class SmokeResult:
    ok: bool  # every right program passed and the wrong one was a wrong answer
    languages: tuple[str, ...]  # what the backend runs, each graded once
    seconds: float  # wall time, including start-up and compiling
    error: str = ""  # the sandbox failed to start or run: why
    detail: str = ""  # not ok: each language's status, then the wrong program's


def smoke_test(kind: str, docker: DockerConfig | None = None) -> SmokeResult:
    """Open a `kind` sandbox ("docker", "local"), grade the smoke programs, close it."""
    started = time.perf_counter()
    try:
        with open_sandbox(SandboxChoice(kind, docker=docker or DockerConfig())) as sandbox:
            languages = tuple(sorted(sandbox.languages))
            subs = [Submission(SMOKE_RIGHT[lang], SMOKE_TESTS, language=lang) for lang in languages]
            results = sandbox.run_many([*subs, Submission(SMOKE_WRONG, SMOKE_TESTS)])
    except RingdataError as exc:
        return SmokeResult(False, (), time.perf_counter() - started, error=str(exc))
    seconds = time.perf_counter() - started
    *rights, wrong = results
    ok = all(r.passed for r in rights) and wrong.status.value == "wrong_answer"
    detail = "" if ok else (", ".join(f"{lang} {r.status.value} {r.error}".strip() for lang, r in zip(languages, rights))
                            + f"; wrong program: {wrong.status.value}")
    return SmokeResult(ok, languages, seconds, detail=detail)
