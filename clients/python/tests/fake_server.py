"""A scriptable HTTP server standing in for a Mesos master or agent in unit tests.

A SUBSCRIBE call gets a chunked 200 response; the test pushes events into it (push) and can
cut it (close_streams). Every other call is recorded and answered with `call_status`.
GET /master/redirect answers 307 to `redirect_location`, or 503 while it is None.
"""

import json
import queue
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

_CLOSE = object()


class Request(object):
    def __init__(self, path, headers, body):
        self.path = path
        self.headers = headers
        self.body = body
        self.json = json.loads(body.decode("utf-8")) if body else None


class _Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeApi(object):
    """subscribe_status: status of SUBSCRIBE responses (200 streams); subscribe_headers are
    added to them; on_subscribe(request) returns the first events of each new stream."""

    def __init__(self, path, stream_id_header=True):
        self.path = path
        self.stream_id_header = stream_id_header
        self.subscribe_status = 200
        self.subscribe_body = b""
        self.subscribe_headers = {}
        self.call_status = 202
        self.call_body = b""
        self.on_subscribe = lambda request: []
        self.redirect_location = None
        self.redirect_requests = 0
        self.subscriptions = []
        self.calls = []
        self._streams = []
        # Reentrant: wait_for predicates call calls_of() with the lock held.
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._get(self)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = dict((k.lower(), v) for k, v in self.headers.items())
                request = Request(self.path, headers, body)
                if request.json and request.json.get("type") == "SUBSCRIBE":
                    fake._subscribe(self, request)
                else:
                    fake._call(self, request)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.address = "127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True
        self._thread.start()

    def shutdown(self):
        self.close_streams()
        self._server.shutdown()
        self._server.server_close()

    # ---- scripting ---------------------------------------------------------------------

    def push(self, event):
        """Sends an event (dict, or raw bytes already framed) on the newest open stream."""
        with self._lock:
            stream = self._streams[-1]
        stream.put(event)

    def close_streams(self):
        with self._lock:
            streams = list(self._streams)
            self._streams = []
        for stream in streams:
            stream.put(_CLOSE)

    def wait_for(self, predicate, timeout=5.0, what="condition"):
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                raise AssertionError("timed out waiting for %s" % what)

    def calls_of(self, kind):
        with self._lock:
            return [c for c in self.calls if c.json.get("type") == kind]

    # ---- serving -----------------------------------------------------------------------

    def _get(self, handler):
        with self._changed:
            self.redirect_requests += 1
            self._changed.notify_all()
        location = self.redirect_location
        body = b"" if location is not None else b"No leader elected"
        handler.send_response(307 if location is not None and handler.path == "/master/redirect" else 503)
        if location is not None:
            handler.send_header("Location", location)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _call(self, handler, request):
        with self._changed:
            self.calls.append(request)
            self._changed.notify_all()
        handler.send_response(self.call_status)
        handler.send_header("Content-Length", str(len(self.call_body)))
        handler.end_headers()
        handler.wfile.write(self.call_body)

    def _subscribe(self, handler, request):
        with self._changed:
            self.subscriptions.append(request)
            self._changed.notify_all()
        if self.subscribe_status != 200:
            handler.send_response(self.subscribe_status)
            for name, value in self.subscribe_headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(self.subscribe_body)))
            handler.end_headers()
            handler.wfile.write(self.subscribe_body)
            return
        stream = queue.Queue()
        for event in self.on_subscribe(request):
            stream.put(event)
        with self._lock:
            self._streams.append(stream)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        if self.stream_id_header:
            handler.send_header("Mesos-Stream-Id", "stream-%d" % len(self.subscriptions))
        handler.end_headers()
        handler.wfile.flush()
        try:
            while True:
                event = stream.get()
                if event is _CLOSE:
                    break
                data = event if isinstance(event, bytes) else _frame(event)
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                handler.wfile.flush()
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
        except OSError:
            pass
        handler.close_connection = True


def _frame(event):
    data = json.dumps(event).encode("utf-8")
    return str(len(data)).encode("ascii") + b"\n" + data
