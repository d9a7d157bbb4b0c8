"""Row slices on a thread pool: results in input order, errors raised, slices cover every row."""

import threading

import pytest

from ringdata.curate.parallel import row_slices, thread_map


def test_results_come_back_in_input_order_from_several_threads():
    seen = set()

    def work(i):
        seen.add(threading.get_ident())
        threading.Event().wait(0.01 * (5 - i % 5))  # later items finish first
        return i * i

    assert list(thread_map(work, range(10), workers=3)) == [i * i for i in range(10)]
    assert len(seen) > 1


def test_an_error_in_a_slice_is_raised():
    def work(i):
        if i == 3:
            raise ValueError("slice 3")
        return i

    with pytest.raises(ValueError, match="slice 3"):
        list(thread_map(work, range(6), workers=2))


@pytest.mark.parametrize("n,size", [(0, 5), (1, 5), (10, 5), (11, 5), (7, 100)])
def test_slices_cover_every_row_once(n, size):
    covered = [i for start, length in row_slices(n, size) for i in range(start, start + length)]
    assert covered == list(range(n))


def test_map_slices_returns_slice_results_in_row_order_and_reports_each_slice():
    from ringdata.curate.parallel import map_slices

    done = []
    out = map_slices(lambda at, n: list(range(at, at + n)), 11, 4, done.append)
    assert out == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
    assert done == [4, 4, 3]
    assert map_slices(lambda at, n: n, 0, 4) == []
