"""Streaming one answer from ``/api/chat``, with Stop.

``ChatRun(client, request).run(on_update)`` returns the final ``Answer``: ``done`` with the
daemon's metrics and the variant's memory from ``/api/ps``; ``failed`` with the daemon's
message and whatever text had arrived; or ``stopped``:

- ``stop()`` (call it on the event loop's thread, e.g. ``loop.call_soon_threadsafe(run.stop)``)
  cancels the read the run is blocked on; closing the stream closes the HTTP response, which
  makes the daemon stop generating. ``run`` then *returns* the partial answer marked stopped.
- Cancelling the task that awaits ``run`` (the GUI cancelling its future) stops it the same
  way, but ``CancelledError`` goes on up as asyncio requires; ``run.answer`` holds the stopped
  answer, and ``on_update`` has been called with it.

``on_update`` gets a snapshot at most every ``update_interval_s`` seconds while text arrives
(0: every chunk), and always the final one, so a front end can paint at its frame rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from quantdesk.core.chat.answer import Answer, AnswerMemory, AnswerStats, now_iso
from quantdesk.core.chat.conversation import ChatRequest
from quantdesk.core.loaded_state import model_key
from quantdesk.core.ollama import ChatChunk, KeepAlive, OllamaClient, OllamaError


class ChatRun:
    def __init__(
        self,
        client: OllamaClient,
        request: ChatRequest,
        *,
        keep_alive: KeepAlive | None = None,
        think: bool | str | None = None,
        measure_memory: bool = True,
        update_interval_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.request = request
        self._client = client
        self._keep_alive = keep_alive
        self._think = think
        self._measure = measure_memory
        self._interval = update_interval_s
        self._clock = clock
        self._answer = Answer(request.variant)
        self._task: asyncio.Task[object] | None = None
        self._stopping = False
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._chunks = 0
        self._started = 0.0
        self._first: float | None = None
        self.error: OllamaError | None = None

    @property
    def answer(self) -> Answer:
        """The answer so far (final once ``run`` has returned or been cancelled)."""
        return self._answer

    def stop(self) -> None:
        """Stop generating and keep what arrived. Call on the event loop's thread; calling it
        again is harmless."""
        if self._stopping:
            return  # one cancel only: each cancel() call counts, and we undo exactly one
        self._stopping = True
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def _snapshot(self, **changes: Any) -> Answer:
        self._answer = replace(self._answer, text="".join(self._text),
                               thinking="".join(self._thinking), **changes)
        return self._answer

    def _counted(self) -> AnswerStats | None:
        if self._first is None:
            return None
        spent = self._clock() - self._first
        tps = (self._chunks - 1) / spent if self._chunks > 1 and spent > 0 else 0.0
        return AnswerStats(eval_tokens=self._chunks, eval_tps=tps,
                           first_token_s=self._first - self._started, estimated=True)

    async def run(self, on_update: Callable[[Answer], None] | None = None) -> Answer:
        self._task = asyncio.current_task()
        try:
            return await self._run(on_update or (lambda _a: None))
        finally:
            self._task = None  # a later stop() must not cancel whatever the caller does next

    async def _run(self, emit: Callable[[Answer], None]) -> Answer:
        self._started = self._clock()
        self._answer = Answer(self.request.variant, state="streaming", started_at=now_iso())
        emit(self._answer)
        try:
            if self._stopping:
                raise asyncio.CancelledError
            final = await self._stream(emit)
        except asyncio.CancelledError:
            stopped = self._snapshot(state="stopped", stats=self._counted(),
                                     finished_at=now_iso())
            emit(stopped)
            task = asyncio.current_task()
            # Our own stop: the run ends normally. Anyone else's cancel goes on up.
            if not self._stopping or (task is not None and task.uncancel() > 0):
                raise
            return stopped
        except OllamaError as exc:
            self.error = exc
            failed = self._snapshot(state="failed", error=str(exc), stats=self._counted(),
                                    finished_at=now_iso())
            emit(failed)
            return failed
        first = (self._first or self._clock()) - self._started
        stats = AnswerStats.from_metrics(final.metrics, first) if final.metrics else None
        done = self._snapshot(state="done", done_reason=final.done_reason, stats=stats,
                              finished_at=now_iso())
        if self._measure:
            try:
                done = self._snapshot(memory=await self._memory())
            except asyncio.CancelledError:
                # The answer is complete; only its memory figure is lost.
                emit(done)
                task = asyncio.current_task()
                if not self._stopping or (task is not None and task.uncancel() > 0):
                    raise
        emit(done)
        return done

    async def _stream(self, emit: Callable[[Answer], None]) -> ChatChunk:
        req = self.request
        stream = self._client.chat(req.variant, req.messages, options=req.options or None,
                                   keep_alive=self._keep_alive, think=self._think)
        last_emit = self._started
        final: ChatChunk | None = None
        async with contextlib.aclosing(stream):
            async for chunk in stream:
                if chunk.text or chunk.thinking:
                    now = self._clock()
                    if self._first is None:
                        self._first = now
                    self._chunks += 1
                    self._text.append(chunk.text)
                    self._thinking.append(chunk.thinking)
                    if now - last_emit >= self._interval:
                        last_emit = now
                        emit(self._snapshot())
                if chunk.done:
                    final = chunk
        assert final is not None  # the client raises when the stream ends without done
        return final

    async def _memory(self) -> AnswerMemory | None:
        try:
            loaded = await self._client.ps()
        except OllamaError:
            return None  # the answer stands without its memory figure
        key = model_key(self.request.variant)
        for m in loaded:
            if model_key(m.name) == key:
                return AnswerMemory(m.size, m.size_vram, m.context_length)
        return None
