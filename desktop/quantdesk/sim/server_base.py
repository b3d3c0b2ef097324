"""The threaded loopback HTTP server both halves of the simulator run on."""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from typing import Any


class QuietServer(ThreadingHTTPServer):
    """A threaded loopback server that takes a client hanging up in its stride."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's listen backlog is 5; Go's net.Listen uses the kernel's (somaxconn, 4096).
    # With 5, a burst of parallel requests (registry probes, several clients) on a busy machine
    # overflows the queue and connects time out where Ollama would have queued them.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a cancelled pull, a closed app) is normal traffic for a
        # daemon, not a fault worth a traceback on stderr; anything else is still reported.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)
