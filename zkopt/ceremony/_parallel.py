"""Split a ceremony's point work between this process and a forked one (the machines here have 2 cores).

Only used for work that is many independent point operations (each point
times its own scalar, subgroup checks, independent group FFTs, the two
multi-scalar multiplications a verifier compares); below
``MIN_ITEMS`` or with ``ZKOPT_PROCESSES=1`` everything runs in line. Results
come back in order. The child is forked, so it sees the parent's modules and
tables; arguments and results travel pickled (points are tuples of ints).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence

from zkopt import curve

#: Fewer items than this are not worth a second process.
MIN_ITEMS = 512


def enabled(items: int) -> bool:
    if os.environ.get("ZKOPT_PROCESSES") == "1" or items < MIN_ITEMS:
        return False
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def run_split(fn: Callable, jobs: Sequence[tuple]) -> list:
    """[fn(*job) for job in jobs], the jobs shared between two processes (in order of the list)."""
    if len(jobs) < 2:
        return [fn(*job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        half = len(jobs) // 2
        pending = [pool.apply_async(fn, job) for job in jobs[half:]]
        mine = [fn(*job) for job in jobs[:half]]
        return mine + [p.get() for p in pending]


def _mul_each(group: int, points: Sequence, scalars: Sequence[int]) -> list:
    return (curve.g1_mul_each if group == 1 else curve.g2_mul_each)(points, scalars)


def mul_each(group: int, points: Sequence, scalars: Sequence[int]) -> list:
    """[[k_i] P_i] in G1 (group 1) or G2 (group 2), on two processes when it pays."""
    if not enabled(len(points)):
        return _mul_each(group, points, scalars)
    half = len(points) // 2
    first, second = run_split(_mul_each, [(group, points[:half], scalars[:half]),
                                          (group, points[half:], scalars[half:])])
    return first + second


def _msm(group: int, points: Sequence, scalars: Sequence[int]):
    return (curve.msm_g1 if group == 1 else curve.msm_g2)(points, scalars)


def msm_pair(group: int, first: tuple, second: tuple) -> tuple:
    """(sum k_i P_i for (P, k) = first, the same for second) in G1 or G2: the second in the forked process when it
    pays (a verifier's random-combination check compares two such sums)."""
    if not enabled(len(first[0]) + len(second[0])):
        return _msm(group, *first), _msm(group, *second)
    return tuple(run_split(_msm, [(group, *first), (group, *second)]))


def _subgroup_failures(points: Sequence, offset: int) -> list[int]:
    return [offset + i for i, p in enumerate(points) if p is not None and not curve.is_in_subgroup_g2(p)]


def g2_outside_subgroup(points: Sequence) -> list[int]:
    """Indices of the G2 points (known to be on the twist) that are outside the prime-order subgroup."""
    if not enabled(len(points)):
        return _subgroup_failures(points, 0)
    half = len(points) // 2
    first, second = run_split(_subgroup_failures, [(points[:half], 0), (points[half:], half)])
    return first + second
