"""Independent slices of a curation pass on every core, with threads.

Polars runs one string expression over one column on one thread, and numpy's element-wise kernels
are single-threaded too; both release the GIL while they work. So a pass that is a pure function
of its rows (the match text, token hashing, min-hashing, the n-gram lookup) runs on all cores by
giving each thread a slice of rows: no pickling, no copies, results concatenated in row order.
Measured on 400k synthetic problems, 2 cores: the match text 2.65 s -> 1.40 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """The cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def thread_map(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> Iterator[R]:
    """`map(fn, items)` on a thread pool of `workers` (default: `cores()`), results in input order
    as they become available; with one worker or one item, a plain loop in this thread."""
    items = list(items)
    workers = min(workers or cores(), len(items))
    if workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="ringdata-curate") as pool:
        yield from pool.map(fn, items)


def map_slices(fn: Callable[[int, int], R], n: int, size: int, advance: Callable[[int], None] | None = None) -> list[R]:
    """`fn(offset, length)` for each `size`-row slice of [0, n), on all cores; results in row
    order. `advance(length)` runs in this thread as each slice's result arrives (a progress bar)."""
    slices = row_slices(n, size)
    out = []
    for (_, length), result in zip(slices, thread_map(lambda at: fn(*at), slices)):
        out.append(result)
        if advance is not None:
            advance(length)
    return out


def row_slices(n: int, size: int) -> list[tuple[int, int]]:
    """(offset, length) slices of `size` rows covering [0, n)."""
    return [(start, min(size, n - start)) for start in range(0, n, max(1, size))]
