"""The simulator's remote side: Ollama registry + CDN, library tags pages, Hugging Face.

``RemoteSite`` holds the routes over the shared catalog (so digests agree with the simulated
daemon), ``RemoteFaults`` the injectable latency and failures, ``write_remote`` the hook the
daemon's handler calls for paths it does not serve, and ``RemoteServer`` runs it alone.
"""

from quantdesk.sim.remote.faults import RemoteFaults
from quantdesk.sim.remote.routes import RemoteResponse, RemoteSite
from quantdesk.sim.remote.server import RemoteServer, write_remote

__all__ = ["RemoteFaults", "RemoteResponse", "RemoteServer", "RemoteSite", "write_remote"]
