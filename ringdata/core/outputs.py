"""Output paths a command is about to write: checked before any work starts.

A second run into the same place must not silently replace the first (a training run, an hour of
grading), and a path that cannot be written (a file where a directory goes) must fail in the first
second, not after the whole curation ran. Every command that writes (curate, grade, rollout,
train) calls `check_outputs` with everything it will write, and `--overwrite` to allow replacing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ringdata.core.errors import RingdataError


def check_outputs(files: Iterable[Path] = (), *, dirs: Iterable[Path] = (), overwrite: bool = False,
                  flag: str = "--overwrite") -> None:
    """Raise unless every path can be written: `files` must not exist (unless `overwrite`) and
    must not be directories; `dirs` (where the files go) must not be files."""
    for path in map(Path, dirs):
        if path.exists() and not path.is_dir():
            raise RingdataError(f"{path} is a file, but the output must be a directory; choose another --out")
    for path in map(Path, files):
        if path.is_dir():
            raise RingdataError(f"{path} is a directory, but the output is a file; choose another --out")
        if path.exists() and not overwrite:
            raise RingdataError(f"{path} already exists; pass {flag} to replace it, or choose another --out")
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise RingdataError(f"{parent} is a file, so {path} cannot be written; choose another --out")


def remove_stale(paths: Iterable[Path]) -> None:
    """Delete outputs of an earlier run that this run will not write again (under `--overwrite`):
    a stale `rejected.jsonl` beside fresh grades would describe another run."""
    for path in map(Path, paths):
        if path.is_file():
            path.unlink()


@contextmanager
def staged_dir(out: Path, *, last: str | None = None) -> Iterator[Path]:
    """A temporary sibling of `out` to write a directory's outputs into; when the block ends
    without an error (Ctrl-C included) they replace `out`, else they are deleted. So `out` is
    complete or absent, never the half-written directory a stopped run used to leave (which
    looked finished, was rejected by `report`, and made the rerun say "already exists").

    When `out` holds only earlier outputs it is swapped whole (two renames); when it holds other
    files too, each output is moved in on its own, `last` (the file that marks a finished run,
    e.g. report.json) after the others."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
        written = {p.name for p in tmp.iterdir()}
        if not out.exists():
            tmp.rename(out)
        elif {p.name for p in out.iterdir()} <= written:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.rename(old / out.name)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            for name in sorted(written, key=lambda n: n == last):
                os.replace(tmp / name, out / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
