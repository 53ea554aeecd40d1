"""Bounded output capture: keep only the last bytes of a stream, never the whole of it."""

from __future__ import annotations


class BoundedTail:
    """The last `limit` bytes written, plus how many bytes were written in total."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._buffer = bytearray()
        self.total_bytes = 0

    def feed(self, chunk: bytes) -> None:
        self.total_bytes += len(chunk)
        self._buffer += chunk
        excess = len(self._buffer) - self._limit
        if excess > 0:
            del self._buffer[:excess]

    @property
    def truncated(self) -> bool:
        return self.total_bytes > len(self._buffer)

    def text(self) -> str:
        return self._buffer.decode("utf-8", errors="replace")
