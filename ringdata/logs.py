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

NOISY_MODULES = r"(transformers|vllm|torch|huggingface_hub|tokenizers|datasets)(\.|$)"


def quiet_libraries(verbose: bool = False) -> None:
    """Show only errors from vLLM, transformers, huggingface_hub and their Python warnings, unless
    `verbose`. Sets environment variables (read by the libraries at import, and inherited by any
    engine process they start) and, for libraries already imported, their loggers."""
    if verbose:
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "INFO")
        return
    os.environ["VLLM_LOGGING_LEVEL"] = "ERROR"
    os.environ["TRANSFORMERS_VERBOSITY"] = "error"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # "Loading checkpoint shards" and friends
    os.environ["TOKENIZERS_PARALLELISM"] = os.environ.get("TOKENIZERS_PARALLELISM", "false")
    warnings.filterwarnings("ignore", module=NOISY_MODULES)
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    vllm_logger = logging.getLogger("vllm")
    for handler in vllm_logger.handlers:  # present when vllm is already imported
        handler.setLevel(logging.ERROR)
