"""The socket HTTP client: addresses, redirects, chunked and sized bodies, closing."""

import socket
import threading
import unittest

from mesos import transport


def serve_once(response_bytes):
    """A one-shot server answering the first request with raw bytes; returns its Endpoint."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    received = []

    def run():
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            head, _, body = data.partition(b"\r\n\r\n")
            length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")]
            while length and len(body) < length[0]:
                body += conn.recv(4096)
            received.append((head.decode("latin-1"), body))
            if isinstance(response_bytes, list):
                for part in response_bytes:
                    conn.sendall(part)
            else:
                conn.sendall(response_bytes)
        listener.close()

    thread = threading.Thread(target=run)
    thread.daemon = True
    thread.start()
    return transport.Endpoint("127.0.0.1", listener.getsockname()[1]), received, thread


class EndpointTest(unittest.TestCase):
    def test_parse_endpoint(self):
        self.assertEqual(transport.parse_endpoint("m1", 5050), transport.Endpoint("m1", 5050))
        self.assertEqual(transport.parse_endpoint(" http://m1:80/ ", 5050), transport.Endpoint("m1", 80))
        self.assertEqual(transport.parse_endpoint("https://m1", 5050), transport.Endpoint("m1", 5050, "https"))
        self.assertEqual(transport.parse_endpoint("[fe80::1]:5", 1).url("/x"), "http://[fe80::1]:5/x")
        for bad in ["", "zk://a:1/mesos", "a:b", "a:0", "http://a:1/path", "a b:1"]:
            with self.assertRaises(ValueError, msg=bad):
                transport.parse_endpoint(bad, 5050)

    def test_redirect_locations(self):
        here = transport.Endpoint("m1", 5050)
        self.assertEqual(transport.resolve_location(here, "//m2:5051/api/v1/scheduler"), transport.Endpoint("m2", 5051))
        self.assertEqual(transport.resolve_location(here, "https://m3:1/x"), transport.Endpoint("m3", 1, "https"))
        self.assertEqual(transport.resolve_location(here, "/relative"), here)


class RequestTest(unittest.TestCase):
    def test_sized_response_and_request_format(self):
        endpoint, received, thread = serve_once(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")
        response = transport.request(endpoint, "POST", "/api", b'{"a":1}', {"Content-Type": "application/json"})
        thread.join(5)
        self.assertEqual((response.status, response.reason, response.body), (202, "Accepted", b"ok"))
        head, body = received[0]
        self.assertTrue(head.startswith("POST /api HTTP/1.1\r\n"))
        self.assertIn("Host: 127.0.0.1:%d" % endpoint.port, head)
        self.assertIn("Content-Length: 7", head)
        self.assertIn("Connection: close", head)
        self.assertEqual(body, b'{"a":1}')

    def test_chunked_response_arrives_piece_by_piece(self):
        parts = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nMesos-Stream-Id: s1\r\n\r\n",
                 b"5\r\nhello\r\n", b"3;ext=1\r", b"\nab", b"c\r\n", b"0\r\n\r\n"]
        endpoint, _, thread = serve_once(parts)
        stream = transport.open_stream(endpoint, "POST", "/s")
        self.assertEqual(stream.headers["mesos-stream-id"], "s1")
        self.assertEqual(stream.read_all(), b"helloabc")
        stream.close()
        thread.join(5)

    def test_interim_and_close_delimited_responses(self):
        endpoint, _, thread = serve_once(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nall of it")
        self.assertEqual(transport.request(endpoint, "GET", "/").body, b"all of it")
        thread.join(5)

    def test_truncated_bodies_raise(self):
        endpoint, _, thread = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        with self.assertRaises(transport.HttpError):
            transport.request(endpoint, "GET", "/")
        thread.join(5)
        endpoint, _, thread = serve_once(b"garbage\r\n\r\n")
        with self.assertRaises(transport.HttpError):
            transport.request(endpoint, "GET", "/")
        thread.join(5)

    def test_close_from_another_thread_ends_the_stream(self):
        release = threading.Event()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def run():
            conn, _ = listener.accept()
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n")
            release.wait(5)
            conn.close()
            listener.close()

        server = threading.Thread(target=run)
        server.start()
        stream = transport.open_stream(transport.Endpoint("127.0.0.1", listener.getsockname()[1]), "POST", "/")
        chunks = stream.chunks()
        self.assertEqual(next(chunks), b"hi")
        threading.Timer(0.2, stream.close).start()
        self.assertEqual(list(chunks), [])
        self.assertTrue(stream.closed)
        release.set()
        server.join(5)


if __name__ == "__main__":
    unittest.main()
