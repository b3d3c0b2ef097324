"""One asyncio event loop on one dedicated thread: all daemon and registry I/O runs here.

The GUI never awaits. Services submit coroutines with :meth:`IoThread.submit`, keep the
returned future per job and cancel it from the GUI; cancellation reaches the coroutine as
``CancelledError`` at whatever ``await`` it is blocked on, so a stalled read is released at once
(a blocked synchronous read cannot be interrupted reliably, which is why there is no thread pool).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class IoThread:
    def __init__(self, name: str = "quantdesk-io") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self.loop.is_running()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the I/O loop; thread-safe; returns a cancellable future.

        Raises RuntimeError once the thread is stopped (the coroutine is closed, so nothing
        warns about it never being awaited)."""
        if self.loop.is_closed() or not self._thread.is_alive():
            coro.close()
            raise RuntimeError("the I/O thread is stopped")
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run ``coro`` and wait for it. Only for shutdown and tests, never from a GUI slot."""
        return self.submit(coro).result(timeout)

    def stop(self, timeout: float = 3.0) -> None:
        """Cancel what is still running, stop the loop and join the thread (bounded)."""
        if not self._thread.is_alive():
            return

        async def _cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # A stream a cancelled job was iterating is an async generator suspended inside
            # ``async with response``; only closing it releases that connection.
            await self.loop.shutdown_asyncgens()
            # Closed transports release their sockets in callbacks scheduled with call_soon;
            # let those run before the loop stops, or the sockets leak (ResourceWarning).
            for _ in range(3):
                await asyncio.sleep(0)

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self.submit(_cancel_all()).result(timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.loop.close()
