"""The code sandbox's Docker image: the engine client, what an image says about itself (its recipe
and languages labels), and building it with `image/build.sh` (debootstrap + `docker import`).

The Docker backend (docker_backend.py) runs containers of this image; `ringdata sandbox build`
builds it and health.py says whether it is current.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from ringdata.core.errors import RingdataError
from ringdata.core.records import LANGUAGES
from sandboxes.languages import (CPP_FLAGS, JAVAC_SERVER_DIR, JAVAC_SERVER_FLAGS, JVM_ARCHIVE, JVM_FLAGS, PCH_DIR,
                                 java_main_class)

IMAGE = "ringdata-sandbox"
START_ENGINE = (
    "start it (as root) with `dockerd --iptables=false --ip-masq=false --bridge=none "
    "--storage-driver=overlay2 &` or run scripts/setup.sh"
)
BUILD_SCRIPT = Path(__file__).with_name("image") / "build.sh"
JVM_ARCHIVE_SCRIPT = BUILD_SCRIPT.with_name("jvm_archive.py")
PROBES = BUILD_SCRIPT.with_name("probes")  # Java programs in contest style, each with its .in
BUNDLED = Path(__file__).parents[1] / "data" / "code_multilang" / "problems.jsonl"  # accepted Java solutions


def client():
    """A Docker client for a running engine, or a `RingdataError` that says how to start one."""
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - docker is a dependency
        raise RingdataError(f"the docker Python package is missing ({exc}): pip install docker") from None
    try:
        c = docker.from_env(timeout=120)
        c.ping()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no engine"
        raise RingdataError(f"the Docker engine is not running ({short_error(exc)}): {START_ENGINE}") from None
    return c


def image_recipe(c, image: str = IMAGE) -> str | None:
    """The recipe label of `image`, "" if unlabelled, None if the image does not exist."""
    labels = _labels(c, image)
    return None if labels is None else labels.get("ringdata.sandbox.recipe", "")


def image_languages(c, image: str = IMAGE) -> frozenset[str]:
    """The languages `image` was built with (its label; images before recipe 4 ran Python only)."""
    labels = _labels(c, image) or {}
    return frozenset((labels.get("ringdata.sandbox.languages") or "python").split(","))


def _labels(c, image: str) -> dict | None:
    import docker

    try:
        return c.images.get(image).labels or {}
    except docker.errors.ImageNotFound:
        return None


def current_recipe() -> str:
    """The recipe version build.sh would build now (compare with `image_recipe`)."""
    found = re.search(r"^recipe=(\d+)", BUILD_SCRIPT.read_text(), re.M)
    return found.group(1) if found else ""


def build_image(image: str = IMAGE, force: bool = False, languages: Sequence[str] = LANGUAGES,
                on_phase: Callable[[str], None] | None = None) -> bool:
    """Build `image` with sandboxes/image/build.sh (debootstrap + docker import). Python is always
    in it (the runner is Python). Python alone downloads ~25 MB of Debian packages: 77 s reported
    on a 2-core machine, 282 s measured on one shared by six busy sessions; g++ and the JDK add
    ~150 MB of packages and minutes of unpacking.

    Returns False when it exists, is current, has `languages` and `force` is not set. Needs root
    (debootstrap) and the engine. `on_phase(text)` hears each step of the build ("debootstrap:
    installing (41)", "docker import -> ringdata-sandbox"), for a progress display.
    """
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        raise RingdataError(f"unknown language {', '.join(unknown)}; the sandbox runs {', '.join(LANGUAGES)}")
    wanted = frozenset({"python", *languages})
    c = client()
    if image_recipe(c, image) == current_recipe() and image_languages(c, image) == wanted and not force:
        return False  # present and built by this recipe; a stale or missing image is (re)built
    for tool in ("debootstrap", "tar"):
        if shutil.which(tool) is None:
            raise RingdataError(f"{tool} is not installed: apt-get install {tool} (or run scripts/setup.sh)")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as programs:
        json.dump(jvm_archive_programs(), programs)
        programs.flush()
        env = {**os.environ, "CPP_FLAGS": " ".join(CPP_FLAGS), "PCH_DIR": PCH_DIR,  # the image's precompiled header
               "JAVAC_SERVER_DIR": JAVAC_SERVER_DIR, "JAVAC_SERVER_FLAGS": " ".join(JAVAC_SERVER_FLAGS),  # its javac
               "JVM_ARCHIVE": JVM_ARCHIVE, "JVM_FLAGS": " ".join(JVM_FLAGS), "JVM_ARCHIVE_PROGRAMS": programs.name}
        proc = subprocess.Popen(["bash", str(BUILD_SCRIPT), image, ",".join(sorted(wanted))], text=True,
                                stdout=subprocess.PIPE, env=env)
        phases = BuildPhases()
        for line in proc.stdout:
            phase = phases.see(line)
            if phase and on_phase:
                on_phase(phase)
        if proc.wait() != 0:
            raise RingdataError(f"building the sandbox image failed (exit {proc.returncode}); see the output above")
    return True


def jvm_archive_programs() -> list[dict]:
    """The programs whose loaded JDK classes go into the contest class-data archive
    (languages.py `JVM_ARCHIVE`, built by image/jvm_archive.py): the probes (probes/*.java: Scanner,
    BufferedReader + StringTokenizer, StreamTokenizer, PrintWriter, printf, streams, lambdas,
    collections, BigInteger, records) and every accepted Java solution bundled in
    data/code_multilang, each with its input. Wrong solutions are left out: a class only a wrong
    program loads would be a guess. Each is {"source", "input", "file", "main"}."""
    programs = [(path.read_text(), path.with_suffix(".in").read_text()) for path in sorted(PROBES.glob("*.java"))]
    if BUNDLED.is_file():
        for line in BUNDLED.read_text().splitlines():
            row = json.loads(line)
            for answer in row.get("solutions", []):
                found = re.fullmatch(r"\s*```java\n(.*)```\s*", answer, re.S)
                if found:
                    programs.append((found.group(1), row["tests"][0]["input"] + "\n"))
    out = []
    for source, given in programs:
        file, mains = java_main_class(source)
        out.append({"source": source, "input": given, "file": file, "main": mains[0]})
    return out


class BuildPhases:
    """build.sh's output as a few phases: debootstrap's per-package lines ("I: Retrieving foo",
    "I: Validating foo", "I: Unpacking foo", ...) become "debootstrap: downloading (n)",
    "debootstrap: installing (n)"; those of apt-get in the new root, for the languages beyond
    Python ("Get:3 http://...", "Unpacking g++-12 ...", "Setting up ..."), "apt: downloading (n)",
    "apt: installing (n)", "apt: configuring (n)"; the script's own "[sandbox build] ..." lines
    pass through."""

    PHASES = {"retrieving": "downloading", "validating": "downloading", "extracting": "extracting",
              "installing": "installing", "unpacking": "installing", "configuring": "installing"}
    APT = (("Get:", "downloading"), ("Unpacking ", "installing"), ("Setting up ", "configuring"))

    def __init__(self) -> None:
        self.phase, self.count = "", 0

    def see(self, line: str) -> str | None:
        line = line.strip()
        if line.startswith("I: "):
            return self._count("debootstrap", self.PHASES.get(line[3:].split(" ", 1)[0].lower(), "preparing"))
        apt = next((phase for prefix, phase in self.APT if line.startswith(prefix)), None)
        if apt:
            return self._count("apt", apt)
        if line.startswith("[sandbox build] "):
            self.phase = ""
            return line[len("[sandbox build] "):]
        return None

    def _count(self, tool: str, phase: str) -> str:
        phase = f"{tool}: {phase}"
        self.count = self.count + 1 if phase == self.phase else 1
        self.phase = phase
        return f"{phase} ({self.count})"


def short_error(exc: BaseException) -> str:
    """The first line of an engine error, at most 300 characters (docker's errors carry whole HTTP bodies)."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
