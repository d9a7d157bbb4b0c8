"""What the libraries under ringdata may print. Quiet by default, everything with `-v`.

vLLM logs ~35 INFO lines per engine start (and a "Failed to load weights" WARNING for the rotary
cache on every weight push); transformers warns "Token indices sequence length is longer than the
specified maximum" for long prompts it is only asked to count; torch and both libraries raise
Python warnings about deprecations a user cannot act on. Mixed into ringdata's own tables they bury
the lines that matter, so by default only their errors are shown.

Both libraries read their level from the environment when they are imported, so `quiet_libraries`
runs first thing in the CLI, before any command imports them; for a library that is already
imported it also sets the level directly. vLLM's logger is quieted at its handler level, not its
logger level: `train.backends.vllm` listens to vLLM's WARNING records to catch weights that did not
load, and those records must still be created.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import warnings
from contextlib import contextmanager
from typing import Iterator

NOISY_PACKAGES = ("transformers", "vllm", "torch", "huggingface_hub", "tokenizers", "datasets", "triton")
# Ray's driver prints, on every `grade --ray`, a WARNING from this logger ("Token authentication
# is enabled for this Ray cluster. Set RAY_AUTH_MODE=disabled to opt out") whatever
# ray.init(logging_level=) says: the logger's own level is what stops it.
RAY_AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"


_verbose = False  # set by quiet_libraries: -v shows what the filters below drop


def quiet_libraries(verbose: bool = False) -> None:
    """Show only errors from vLLM, transformers, torch and huggingface_hub (Ray: its token-auth
    warning and its core worker's log lines not at all), and none of the Python
    warnings raised from inside them, unless `verbose`. Sets environment variables (read by the
    libraries at import, and inherited by any engine process they start) and, for libraries
    already imported, their loggers."""
    global _verbose
    _verbose = verbose
    if verbose:
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "INFO")
        return
    os.environ["VLLM_LOGGING_LEVEL"] = "ERROR"
    os.environ["TRANSFORMERS_VERBOSITY"] = "error"
    os.environ["TORCH_CPP_LOG_LEVEL"] = "ERROR"  # torch's C++ warnings ("NUMA binding: ...")
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # "Loading checkpoint shards" and friends
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger(RAY_AUTH_LOGGER).setLevel(logging.ERROR)
    # vLLM configures its handlers when an engine starts; lines logged before that (at import:
    # "Triton is installed, but doesn't include CPU backend") would reach Python's last-resort
    # handler. Its level is set on the logger, never on `train.backends.vllm`'s reload listener,
    # which sets its own.
    logging.getLogger("vllm").setLevel(logging.ERROR)
    for handler in logging.getLogger("vllm").handlers:  # present when an engine already started
        handler.setLevel(logging.ERROR)
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    # Libraries add warning filters of their own at import, ahead of any we add, so the filter is
    # on the display: a warning whose frame is inside one of these packages is not shown.
    if not getattr(warnings.showwarning, "_ringdata_quiet", False):
        warnings.showwarning = _showwarning_unless_library(warnings.showwarning)


def _from_library(filename: str) -> bool:
    parts = filename.replace("\\", "/").split("/")
    return any(p in ("site-packages", "dist-packages") for p in parts) and any(p in NOISY_PACKAGES for p in parts)


def _showwarning_unless_library(show):
    def showwarning(message, category, filename, lineno, file=None, line=None):
        if not _from_library(str(filename)):
            show(message, category, filename, lineno, file, line)

    showwarning._ringdata_quiet = True
    return showwarning


# A line of Ray's C++ logging: "[2026-12-07 16:46:29,245 E 20811 20811] core_worker.cc:2465: ...".
RAY_NATIVE_LINE = re.compile(rb"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [TDIWEF] \d+ \d+\] [\w./-]+\.(?:cc|h):\d+: ")


@contextmanager
def native_lines_dropped(pattern: re.Pattern[bytes] = RAY_NATIVE_LINE) -> Iterator[None]:
    """Lines that native code writes to file descriptor 2 and `pattern` matches are dropped
    (unless -v); every other line goes on to the terminal.

    Ray's C++ core worker logs its ERROR lines straight to the driver's stderr, below Python's
    logging, on every `grade --ray`: "core_worker.cc:2465: Actor with class name:
    'MapWorker(MapBatches(_GradeBatches))' ... has constructor arguments in the object store and
    max_restarts > 0" is Ray Data's own actor pool (its context and transform go by reference,
    with restarts on), nothing a user can change. Its only switch, RAY_BACKEND_LOG_LEVEL, prints a
    line of its own ("Set ray log level from environment variable") and silences the log files
    of a cluster started here too, so the lines are filtered instead: descriptor 2 becomes a pipe
    read by a thread, and Python's sys.stderr, for the duration, a copy of the terminal's
    descriptor, so progress bars still see a terminal and Python's own lines never pass through
    the filter. A process started meanwhile inherits the pipe: its lines are filtered alike."""
    if _verbose:
        yield
        return
    sys.stderr.flush()
    terminal = os.dup(2)
    read, write = os.pipe()
    os.dup2(write, 2)
    os.close(write)
    out = os.dup(terminal)  # the pump's own: it may outlive this block while a child holds the pipe

    def pump() -> None:
        with os.fdopen(read, "rb") as lines, os.fdopen(out, "wb", buffering=0) as sink:
            for line in lines:
                if not pattern.match(line):
                    sink.write(line)

    threading.Thread(target=pump, name="native-stderr", daemon=True).start()
    python_stderr = sys.stderr
    sys.stderr = open(terminal, "w", buffering=1, encoding=getattr(python_stderr, "encoding", None) or "utf-8",
                      errors="backslashreplace")
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(sys.stderr.fileno(), 2)  # the pipe's end at 2 closes: the pump ends at EOF
        sys.stderr.close()
        sys.stderr = python_stderr
