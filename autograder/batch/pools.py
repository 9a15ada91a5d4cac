"""Where a batch's jobs run: a pool of processes on this machine, or a Dask cluster.

Both give each job's outcome once, as it finishes (a `Result`, or the exception that
stopped it); the coordinator (autograder.batch.coordinator) records them.
"""
from __future__ import annotations

import os
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Iterator

from ..course import CourseError
from .worker import Job, Result, grade_submission, memory_cap, warm_up


def run_local(jobs: list[Job], workers: int, grade_one=grade_submission,
               initializer=warm_up) -> Iterator[tuple[Job, Result | BaseException]]:
    """In this process (one worker) or a pool of processes, each job's outcome once.

    At most one job per worker is in flight, so when a worker process dies (killed, out
    of memory) the jobs it may have been grading are known: each is graded again alone,
    in a pool of its own, and the one whose worker dies again is charged with the crash;
    the others get their grades, and the rest of the class goes on in a new pool.
    """
    if workers == 1 or len(jobs) <= 1:
        for job in jobs:
            with memory_cap():  # grading here may take a worker's memory more, no more
                outcome = grade_one(job)
            yield job, outcome
        return
    queue = list(jobs)
    while queue:
        pool = _start_pool(min(workers, len(queue)), initializer)
        in_flight: dict = {}
        suspects: list[Job] = []
        try:
            while (queue or in_flight) and not suspects:
                while queue and len(in_flight) < workers:
                    job = queue.pop(0)
                    in_flight[pool.submit(grade_one, job)] = job
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    job = in_flight.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        suspects.append(job)
                        continue
                    except Exception as exc:
                        outcome = exc
                    yield job, outcome
            suspects += in_flight.values()
        except BaseException:
            _close(pool, wait=False)
            raise
        _close(pool, wait=not suspects)
        for job in suspects:  # graded again, each alone: a crash now is that job's own
            yield job, _alone(job, grade_one, initializer)


def _start_pool(workers: int, initializer) -> ProcessPoolExecutor:
    """A pool whose workers have started; if they cannot, fail now, saying so."""
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=initializer)
    try:
        pool.submit(os.getpid).result(timeout=300)
    except (BrokenProcessPool, FutureTimeout) as exc:
        _close(pool, wait=False)
        raise CourseError("the grading workers could not start (their error, if any, is printed "
                          f"above): {type(exc).__name__}; try --workers 1 to grade in this process") from None
    return pool


def _alone(job: Job, grade_one, initializer) -> Result | BaseException:
    pool = _start_pool(1, initializer)
    try:
        return pool.submit(grade_one, job).result()
    except BrokenProcessPool:
        return RuntimeError("the grading worker died twice while grading this submission (the kernel "
                            "and the grader's own limits should have stopped it: see the grade log)")
    except Exception as exc:
        return exc
    finally:
        _close(pool, wait=False)


def _close(pool: ProcessPoolExecutor, wait: bool) -> None:
    """Shut the pool down: after its work (wait), or now, killing its workers."""
    if not wait:
        _stop_workers(pool)
    pool.shutdown(wait=wait, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()


def run_dask(jobs: list[Job], address: str) -> Iterator[tuple[Job, Result | BaseException]]:
    """On a Dask cluster: one task per submission, results as they finish."""
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError as exc:
        raise CourseError("--scheduler needs Dask's `distributed` package "
                          "(pip install 'autodiff-course[cluster]')") from exc
    try:
        # How long to try: Dask's own setting (distributed.comm.timeouts.connect, 30 s unless
        # configured, e.g. DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s).
        import dask

        client = Client(address, timeout=dask.config.get("distributed.comm.timeouts.connect"))
    except OSError as exc:
        raise CourseError(f"no Dask scheduler answers at {address} ({exc})") from exc
    with client:
        batch = uuid.uuid4().hex[:8]
        futures = {client.submit(grade_submission, job, pure=False, retries=1,
                                 key=f"grade-{job.chapter}-{job.student}-{batch}"): job for job in jobs}
        for future in dask_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:
                outcome = exc
            yield futures[future], outcome
