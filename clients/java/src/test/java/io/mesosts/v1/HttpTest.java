package io.mesosts.v1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

public final class HttpTest {
    /** A one-shot server writing the given raw response parts; records the request head. */
    private static final class OneShot implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final AtomicReference<String> request = new AtomicReference<String>();
        final CountDownLatch release = new CountDownLatch(1);
        final Thread thread;

        OneShot(String... parts) throws IOException {
            thread = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    InputStream in = s.getInputStream();
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!head.toString("ISO-8859-1").endsWith("\r\n\r\n")) {
                        head.write(in.read());
                    }
                    request.set(head.toString("ISO-8859-1"));
                    OutputStream out = s.getOutputStream();
                    for (String p : parts) {
                        out.write(p.getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                    release.await(5, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException ignored) {
                    // The test decides what failed.
                }
            });
            thread.start();
        }

        Http.Endpoint endpoint() {
            return new Http.Endpoint("http", "127.0.0.1", listener.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            release.countDown();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            listener.close();
        }
    }

    private static final byte[] NOTHING = new byte[0];

    public void testParseEndpoint() {
        Check.equal(new Http.Endpoint("http", "m1", 5050), Http.parseEndpoint("m1", 5050));
        Check.equal(new Http.Endpoint("http", "m1", 80), Http.parseEndpoint(" http://m1:80/ ", 5050));
        Check.equal(new Http.Endpoint("https", "m1", 5050), Http.parseEndpoint("https://m1", 5050));
        Check.equal("http://[fe80::1]:5", Http.parseEndpoint("[fe80::1]:5", 1).url());
        for (String bad : new String[] {"", "zk://a:1/mesos", "a:b", "a:0", "http://a:1/path", "a b:1"}) {
            Check.throwsA(IllegalArgumentException.class, () -> Http.parseEndpoint(bad, 5050));
        }
    }

    public void testRedirectLocations() {
        Http.Endpoint here = new Http.Endpoint("http", "m1", 5050);
        Check.equal(new Http.Endpoint("http", "m2", 5051), Http.resolveLocation(here, "//m2:5051/api/v1/scheduler"));
        Check.equal(new Http.Endpoint("https", "m3", 1), Http.resolveLocation(here, "https://m3:1/x"));
        Check.equal(here, Http.resolveLocation(here, "/relative"));
    }

    public void testSizedResponseAndRequestFormat() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")) {
            Http.Response r = Http.request(server.endpoint(), "POST", "/api", "{}".getBytes(StandardCharsets.UTF_8),
                Collections.singletonMap("Content-Type", "application/json"), 5000);
            Check.equal(202, r.status);
            Check.equal("Accepted", r.reason);
            Check.equal("ok", r.text());
            String head = server.request.get();
            Check.isTrue(head.startsWith("POST /api HTTP/1.1\r\n"), head);
            Check.isTrue(head.contains("Host: 127.0.0.1:" + server.listener.getLocalPort() + "\r\n"), head);
            Check.isTrue(head.contains("Content-Length: 2\r\n") && head.contains("Connection: close\r\n"), head);
        }
    }

    public void testChunkedBodies() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nMesos-Stream-Id: s1\r\n\r\n",
            "5\r\nhello\r\n", "3;ext=1\r", "\nab", "c\r\n", "0\r\nTrailer: x\r\n\r\n")) {
            Http.Stream s = Http.open(server.endpoint(), "POST", "/", NOTHING, Collections.<String, String>emptyMap(), 5000);
            Check.equal("s1", s.headers.get("mesos-stream-id"));
            Check.equal("helloabc", new String(s.readAll(), StandardCharsets.UTF_8));
            s.close();
        }
    }

    public void testInterimAndCloseDelimitedResponses() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nall of it")) {
            server.release.countDown();
            Http.Response r = Http.request(server.endpoint(), "GET", "/", NOTHING, Collections.<String, String>emptyMap(), 5000);
            Check.equal("all of it", r.text());
        }
    }

    public void testTruncatedAndMalformedResponsesFail() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")) {
            server.release.countDown();
            Check.throwsA(Http.HttpException.class,
                () -> Http.request(server.endpoint(), "GET", "/", NOTHING, Collections.<String, String>emptyMap(), 5000));
        }
        try (OneShot server = new OneShot("garbage\r\n\r\n")) {
            Check.throwsA(Http.HttpException.class,
                () -> Http.request(server.endpoint(), "GET", "/", NOTHING, Collections.<String, String>emptyMap(), 5000));
        }
    }

    public void testCloseFromAnotherThreadEndsARead() throws Exception {
        try (OneShot server = new OneShot("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n")) {
            Http.Stream s = Http.open(server.endpoint(), "POST", "/", NOTHING, Collections.<String, String>emptyMap(), 5000);
            s.setTimeout(0);
            byte[] buf = new byte[16];
            Check.equal(2, s.read(buf));
            new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ignored) {
                    // Closing early is fine too.
                }
                s.close();
            }).start();
            Check.equal(-1, s.read(buf));
            Check.isTrue(s.isClosed(), "closed");
        }
    }
}
