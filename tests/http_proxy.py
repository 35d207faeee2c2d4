"""A small HTTP proxy on 127.0.0.1 for the sync tests: it counts the requests that pass, and
can cut the connection after a given number of writes, or hold every answer back.

    with HttpProxy(server_url) as proxy:
        ... sync against proxy.url ...
        assert proxy.writes() == 0
        proxy.cut_after_writes = 5      # the 6th write reaches the server; no answer comes back

It forwards bytes as they are, reading just enough of each request (its line and
Content-Length) to count it, so the client and the server talk as they would directly.
Threads in this process; ``close`` stops them and closes every socket.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import Counter
from types import TracebackType
from urllib.parse import urlsplit

WRITES = ("PUT", "DELETE", "MKCALENDAR", "MKCOL", "PROPPATCH", "MOVE", "COPY", "POST")


class HttpProxy:
    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        assert parts.hostname == "127.0.0.1" and parts.port, target_url
        self.target = (parts.hostname, parts.port)
        self.methods: Counter[str] = Counter()
        self.cut_after_writes: int | None = None
        """Close both sides once this many writes have passed and the next one has reached
        the server: the client never learns whether it was done."""
        self.hold = False
        """Forward requests but never any answer (a server that has stopped answering)."""
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}{parts.path or '/'}"
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def writes(self) -> int:
        with self._lock:
            return sum(self.methods[method] for method in WRITES)

    def reset(self) -> None:
        with self._lock:
            self.methods.clear()
        self.cut_after_writes = None
        self.hold = False

    def __enter__(self) -> HttpProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):  # wakes the thread in accept(): the port closes now
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._requests, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._answers, args=(upstream, client), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method = lines[0].split(" ", 1)[0]
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:])}  # fmt: skip
                assert "chunked" not in headers.get("transfer-encoding", ""), "chunked request"
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    chunk = client.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                body, buffer = buffer[:length], buffer[length:]
                upstream.sendall(head + b"\r\n\r\n" + body)
                with self._lock:
                    done = sum(self.methods[write] for write in WRITES)
                    cut = (
                        method in WRITES
                        and self.cut_after_writes is not None
                        and done >= self.cut_after_writes
                    )
                    self.methods[method] += 1
                if cut:
                    _close(client)
                    return
        except OSError:
            return
        finally:
            _close(upstream)

    def _answers(self, upstream: socket.socket, client: socket.socket) -> None:
        try:
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    if self.hold:  # nor does the client learn that the server hung up
                        self._closed.wait()
                    return
                if not self.hold:
                    client.sendall(chunk)
        except OSError:
            return
        finally:
            _close(client)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
