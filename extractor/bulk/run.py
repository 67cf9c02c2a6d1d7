"""The route a run's reports take, chosen by what the backend is: a model's calls run concurrently on event loops
in shards; anything else runs in input order across a process pool."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from extractor.backends import Backend, Settings
from extractor.bulk import Outcome
from extractor.bulk.pool import deterministic


def outcomes(paths: Iterable[object], backend: Backend, settings: Settings, db: str, is_done: Callable[[str], bool],
             workers: int) -> Iterator[Outcome]:
    """Every input's outcome: `backend` (built from `settings` by the caller) does the work in this process or is
    warmed here for the workers, which build their own from `settings`; shards log their calls in `db`."""
    if backend.calls_model:
        # asyncio and the shards' machinery: imported only for a model's calls
        from extractor.bulk.shards import sharded

        return sharded(paths, settings, db, is_done, workers, warm=backend.warm)
    return deterministic(paths, settings, is_done, workers, backend)
