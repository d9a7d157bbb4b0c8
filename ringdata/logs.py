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
import sys
import warnings

NOISY_PACKAGES = ("transformers", "vllm", "torch", "huggingface_hub", "tokenizers", "datasets", "triton")


def quiet_libraries(verbose: bool = False) -> None:
    """Show only errors from vLLM, transformers, torch and huggingface_hub, and none of the Python
    warnings raised from inside them, unless `verbose`. Sets environment variables (read by the
    libraries at import, and inherited by any engine process they start) and, for libraries
    already imported, their loggers."""
    if verbose:
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "INFO")
        return
    os.environ["VLLM_LOGGING_LEVEL"] = "ERROR"
    os.environ["TRANSFORMERS_VERBOSITY"] = "error"
    os.environ["TORCH_CPP_LOG_LEVEL"] = "ERROR"  # torch's C++ warnings ("NUMA binding: ...")
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # "Loading checkpoint shards" and friends
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
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
