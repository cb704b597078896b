"""A frame too large to hold at once, read as bounded chunks.

A Comtrade bulk export can hold tens of millions of rows; the gate validates and loads it
chunk by chunk so memory stays bounded (see warehouse/load.py). Small files are one chunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import polars as pl


class FrameChunks:
    """Re-iterable chunks of one tidy frame; `height` is known once it has been read through."""

    def __init__(self, read: Callable[[], Iterator[pl.DataFrame]], schema: dict[str, pl.DataType]):
        self._read = read
        self.schema = schema
        self.height: int | None = None

    def __iter__(self) -> Iterator[pl.DataFrame]:
        total = 0
        for chunk in self._read():
            total += chunk.height
            yield chunk
        self.height = total

    def collect(self) -> pl.DataFrame:
        """All chunks as one frame (for small files and tests)."""
        parts = list(self)
        return pl.concat(parts) if parts else pl.DataFrame(schema=self.schema)


def chunks_of(frame: pl.DataFrame | FrameChunks) -> Iterator[pl.DataFrame]:
    """A frame as an iterator of chunks (a whole DataFrame is one chunk); the next chunk of a
    chunked frame is read in a background thread while the caller works on the current one
    (polars parses without the GIL, so reading overlaps validation)."""
    if isinstance(frame, pl.DataFrame):
        yield frame
        return
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import closing

    done = object()
    # closing: a reader left suspended (the caller refused a chunk) is closed in this thread, not
    # by a garbage collection in another, which can deadlock a thread pool's shutdown
    with closing(iter(frame)) as it, ThreadPoolExecutor(max_workers=1, thread_name_prefix="chunk-reader") as pool:
        pending = pool.submit(next, it, done)
        while True:
            chunk = pending.result()  # re-raises a ParseError of the reader here
            if chunk is done:
                return
            pending = pool.submit(next, it, done)
            yield chunk

