"""The orders libstdc++'s `std::priority_queue` and `std::sort` give, step for step, for kernels whose results
depend on them where keys tie (TF's CombinedNonMaxSuppression: combined_nms_ops.py). `less(a, b)` is the C++
comparator; lists are reordered in place as the C++ library reorders its vectors."""
from __future__ import annotations

__all__ = ["HeapQueue", "make_heap", "pop_heap", "push_heap", "std_sort"]


def push_heap(a, hole, top, value, less):
    """std::__push_heap: `value` sifted up from `hole` (not above `top`)."""
    parent = (hole - 1) // 2
    while hole > top and less(a[parent], value):
        a[hole] = a[parent]
        hole, parent = parent, (parent - 1) // 2
    a[hole] = value


def _adjust_heap(a, hole, n, value, less):
    top, child = hole, hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if less(a[child], a[child - 1]):
            child -= 1
        a[hole] = a[child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        a[hole] = a[child - 1]
        hole = child - 1
    push_heap(a, hole, top, value, less)


def pop_heap(a, last, less):
    """std::pop_heap(a, a + last): the front of the heap a[:last] goes to a[last - 1], the rest is a heap again."""
    value, a[last - 1] = a[last - 1], a[0]
    _adjust_heap(a, 0, last - 1, value, less)


def make_heap(a, less):
    n = len(a)
    for parent in range((n - 2) // 2, -1, -1):
        _adjust_heap(a, parent, n, a[parent], less)


class HeapQueue:
    """std::priority_queue<T, vector<T>, less>: `push`, `pop` (returns the top), `len()`."""

    def __init__(self, less):
        self._a, self._less = [], less

    def push(self, x):
        self._a.append(x)
        push_heap(self._a, len(self._a) - 1, 0, x, self._less)

    def pop(self):
        a = self._a
        if len(a) > 1:
            pop_heap(a, len(a), self._less)
        return a.pop()

    def __len__(self):
        return len(self._a)


def _heap_sort(a, first, last, less):
    """std::__partial_sort(first, last, last): make_heap, then sort_heap."""
    view = a[first:last]
    make_heap(view, less)
    for end in range(len(view), 1, -1):
        pop_heap(view, end, less)
    a[first:last] = view


def _median_to_first(a, result, i, j, k, less):
    x, y, z = a[i], a[j], a[k]
    if less(x, y):
        pick = j if less(y, z) else (k if less(x, z) else i)
    elif less(x, z):
        pick = i
    else:
        pick = k if less(y, z) else j
    a[result], a[pick] = a[pick], a[result]


def _partition(a, first, last, pivot, less):
    while True:
        while less(a[first], a[pivot]):
            first += 1
        last -= 1
        while less(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _introsort(a, first, last, depth, less):
    while last - first > 16:
        if depth == 0:
            _heap_sort(a, first, last, less)
            return
        depth -= 1
        _median_to_first(a, first, first + 1, first + (last - first) // 2, last - 1, less)
        cut = _partition(a, first + 1, last, first, less)
        _introsort(a, cut, last, depth, less)
        last = cut


def _linear_insert(a, i, less):
    value = a[i]
    while less(value, a[i - 1]):
        a[i] = a[i - 1]
        i -= 1
    a[i] = value


def std_sort(a, less):
    """std::sort(a.begin(), a.end(), less): introsort (median of three, depth 2·log2 n, heap sort below it), then
    insertion sort; not stable, and equal keys end where libstdc++ puts them."""
    n = len(a)
    if n < 2:
        return
    _introsort(a, 0, n, 2 * (n.bit_length() - 1), less)
    for i in range(1, min(n, 16)):
        if less(a[i], a[0]):
            a[1:i + 1], a[0] = a[0:i], a[i]
        else:
            _linear_insert(a, i, less)
    for i in range(16, n):
        _linear_insert(a, i, less)
