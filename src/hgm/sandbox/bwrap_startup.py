"""Start bwrap paused, so its cgroup move overlaps with building the namespaces.

bwrap is told `--info-fd W --block-fd R`: once it has cloned the sandbox's first
process it writes that process's pid as JSON to W, and the process itself, its mounts
done, waits on R before it forks the command. Meanwhile hgm moves bwrap and that process
into the run's cgroups and sets their rlimits, then writes one byte to R. bwrap is moved
first, before its report: the first move into a group waits for a kernel RCU grace period
(about as long as bwrap's own set-up), and bwrap works on meanwhile.
"""

from __future__ import annotations

import json
import os
import select
import time
from collections.abc import Iterator

INFO_TIMEOUT_S = 30.0


class BwrapStartup:
    """The two pipes of one paused bwrap start; `close()` releases everything."""

    def __init__(self) -> None:
        self._info_read, self._info_write = os.pipe()
        self._block_read, self._block_write = os.pipe()
        self._closed: set[int] = set()

    def options(self) -> list[str]:
        return ["--info-fd", str(self._info_write), "--block-fd", str(self._block_read)]

    def child_fds(self) -> tuple[int, ...]:
        return (self._info_write, self._block_read)

    def _close(self, *fds: int) -> None:
        for fd in fds:
            if fd not in self._closed:
                self._closed.add(fd)
                os.close(fd)

    def targets(self, pid: int) -> Iterator[int]:
        """bwrap itself at once (its move overlaps with its set-up), then, once bwrap has
        said which it is, the sandbox's first process."""
        self._close(self._info_write, self._block_read)
        yield pid
        child = self._child_pid()
        if child is not None:
            yield child

    def _child_pid(self) -> int | None:
        """The pid bwrap reports, or None if it exited (or stalled) before reporting one."""
        received = b""
        deadline = time.monotonic() + INFO_TIMEOUT_S
        poller = select.poll()  # not select.select: descriptors may exceed FD_SETSIZE
        poller.register(self._info_read, select.POLLIN)
        while (left := deadline - time.monotonic()) > 0:
            if not poller.poll(left * 1000):
                return None
            chunk = os.read(self._info_read, 4096)
            if not chunk:
                return None
            received += chunk
            try:
                return int(json.loads(received)["child-pid"])
            except ValueError:
                continue
            except (KeyError, TypeError):
                return None
        return None

    def release(self) -> None:
        try:
            os.write(self._block_write, b"1")
        except BrokenPipeError:
            return
        finally:
            self._close(self._block_write)

    def close(self) -> None:
        self._close(self._info_read, self._info_write, self._block_read, self._block_write)
