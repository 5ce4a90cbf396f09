package io.mesosts.v1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal HTTP/1.1 client on plain sockets for the Mesos v1 APIs.
 *
 * <p>Every request has a connection of its own ({@code Connection: close}): the event stream
 * and the calls must use different connections anyway, and a pooled connection would let a
 * JDK client silently send a POST twice. Streams can be closed from any thread and their read
 * timeout changed once the heartbeat interval is known.
 */
public final class Http {
    private Http() {
    }

    /** The peer did not speak HTTP we understand. */
    public static final class HttpException extends IOException {
        private static final long serialVersionUID = 1L;

        public HttpException(String message) {
            super(message);
        }
    }

    /** Where an API lives. */
    public static final class Endpoint {
        public final String scheme;
        public final String host;
        public final int port;

        public Endpoint(String scheme, String host, int port) {
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("unsupported scheme " + scheme);
            }
            this.scheme = scheme;
            this.host = host;
            this.port = port;
        }

        public String hostHeader() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }

        public String url() {
            return scheme + "://" + hostHeader();
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Endpoint)) {
                return false;
            }
            Endpoint e = (Endpoint) o;
            return scheme.equals(e.scheme) && host.equals(e.host) && port == e.port;
        }

        @Override
        public int hashCode() {
            return url().hashCode();
        }

        @Override
        public String toString() {
            return url();
        }
    }

    private static final Pattern ADDRESS =
        Pattern.compile("^(?:(https?)://)?(\\[[^\\]]+\\]|[^:/\\s\\[\\]]+)(?::(\\d{1,5}))?/*$");

    /** Parses {@code host}, {@code host:port}, {@code http://host:port/} or {@code [::1]:port}. */
    public static Endpoint parseEndpoint(String value, int defaultPort) {
        String text = value.trim();
        if (text.startsWith("zk://")) {
            throw new IllegalArgumentException("'" + text
                + "' is a ZooKeeper URL; give the master as host:port or http://host:port");
        }
        Matcher m = ADDRESS.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an address; expected host:port or http://host:port");
        }
        // Without a scheme: https when LIBPROCESS_SSL_ENABLED says this process speaks TLS (Tls).
        String scheme = m.group(1) == null ? (Tls.enabled(System.getenv()) ? "https" : "http") : m.group(1);
        String host = m.group(2).replace("[", "").replace("]", "");
        int port = m.group(3) == null ? defaultPort : Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': port " + port + " is out of range 1-65535");
        }
        return new Endpoint(scheme, host, port);
    }

    /** The endpoint a redirect points at (Mesos sends protocol-relative {@code //host:port/path}). */
    public static Endpoint resolveLocation(Endpoint current, String location) {
        Matcher m = Pattern.compile("^(?:(https?):)?//([^/]+)").matcher(location);
        if (!m.find()) {
            return current;
        }
        String scheme = m.group(1) == null ? current.scheme : m.group(1);
        Endpoint e = parseEndpoint(m.group(2), "https".equals(scheme) ? 443 : 80);
        return new Endpoint(scheme, e.host, e.port);
    }

    /** A complete response. */
    public static final class Response {
        public final int status;
        public final String reason;
        public final Map<String, String> headers;
        public final byte[] body;

        Response(int status, String reason, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.reason = reason;
            this.headers = headers;
            this.body = body;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8).trim();
        }
    }

    /** A response whose body is read as it arrives. */
    public static final class Stream implements Closeable {
        public final int status;
        public final String reason;
        /** Header names in lower case. */
        public final Map<String, String> headers;
        private final Socket socket;
        private final InputStream in;
        private final boolean chunked;
        private long remaining;
        private boolean finished;
        private volatile boolean closed;

        Stream(Socket socket, InputStream in, int status, String reason, Map<String, String> headers) {
            this.socket = socket;
            this.in = in;
            this.status = status;
            this.reason = reason;
            this.headers = headers;
            this.chunked = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
            String length = headers.get("content-length");
            this.remaining = chunked ? 0 : length != null ? Long.parseLong(length.trim()) : -1;
            this.finished = !chunked && remaining == 0;
        }

        /** Read timeout in milliseconds (0: none); reading then throws SocketTimeoutException. */
        public void setTimeout(int millis) throws SocketException {
            socket.setSoTimeout(millis);
        }

        /**
         * Reads the next body bytes into buf; returns how many, or -1 at the end of the body
         * (or after close()).
         */
        public int read(byte[] buf) throws IOException {
            try {
                return readBody(buf);
            } catch (IOException e) {
                if (closed) {
                    return -1;
                }
                throw e;
            }
        }

        private int readBody(byte[] buf) throws IOException {
            if (finished) {
                return -1;
            }
            if (!chunked) {
                int want = remaining < 0 ? buf.length : (int) Math.min(buf.length, remaining);
                int n = in.read(buf, 0, want);
                if (n < 0) {
                    if (remaining > 0) {
                        throw new HttpException("connection closed with " + remaining + " body bytes missing");
                    }
                    finished = true;
                    return -1;
                }
                if (remaining > 0) {
                    remaining -= n;
                    finished = remaining == 0;
                }
                return n;
            }
            if (remaining == 0) {
                String line = readLine(in);
                if (line == null) {
                    throw new HttpException("connection closed inside a chunked body");
                }
                int semicolon = line.indexOf(';');
                String size = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
                try {
                    remaining = Long.parseLong(size, 16);
                } catch (NumberFormatException e) {
                    throw new HttpException("malformed chunk size '" + size + "'");
                }
                if (remaining == 0) {
                    String trailer;
                    do {
                        trailer = readLine(in);
                    } while (trailer != null && !trailer.isEmpty());
                    finished = true;
                    return -1;
                }
            }
            int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) {
                throw new HttpException("connection closed inside a chunk");
            }
            remaining -= n;
            if (remaining == 0) {
                readLine(in); // the CRLF after the chunk data
            }
            return n;
        }

        public byte[] readAll() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }

        public boolean isClosed() {
            return closed;
        }

        /** Closes the connection; a read blocked in another thread returns -1. */
        @Override
        public void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing is best effort; the socket is unusable either way.
            }
        }
    }

    public static Stream open(Endpoint endpoint, String method, String path, byte[] body,
                              Map<String, String> headers, int timeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(endpoint.host, endpoint.port), timeoutMillis);
            if ("https".equals(endpoint.scheme)) {
                Tls.Config configured = Tls.fromEnvironment();
                SSLSocketFactory factory = configured != null ? configured.factory : (SSLSocketFactory) SSLSocketFactory.getDefault();
                SSLSocket tls = (SSLSocket) factory.createSocket(socket, endpoint.host, endpoint.port, true);
                if (configured == null || configured.verifyServer) {
                    SSLParameters params = tls.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    tls.setSSLParameters(params);
                }
                socket = tls;
            }
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(requestHead(endpoint, method, path, body.length, headers));
            out.write(body);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            while (true) {
                String statusLine = readLine(in);
                if (statusLine == null) {
                    throw new HttpException("connection closed before a response arrived");
                }
                String[] parts = statusLine.split(" ", 3);
                if (parts.length < 2 || !parts[0].startsWith("HTTP/") || !parts[1].matches("\\d{3}")) {
                    throw new HttpException("malformed status line '" + statusLine + "'");
                }
                int status = Integer.parseInt(parts[1]);
                Map<String, String> responseHeaders = new LinkedHashMap<String, String>();
                String line;
                while ((line = readLine(in)) != null && !line.isEmpty()) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        responseHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).trim());
                    }
                }
                if (status >= 100 && status < 200) {
                    continue; // interim response (100 Continue)
                }
                return new Stream(socket, in, status, parts.length > 2 ? parts[2] : "", responseHeaders);
            }
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    public static Response request(Endpoint endpoint, String method, String path, byte[] body,
                                   Map<String, String> headers, int timeoutMillis) throws IOException {
        Stream stream = open(endpoint, method, path, body, headers, timeoutMillis);
        try {
            return new Response(stream.status, stream.reason, stream.headers, stream.readAll());
        } finally {
            stream.close();
        }
    }

    private static byte[] requestHead(Endpoint endpoint, String method, String path, int length,
                                      Map<String, String> headers) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(endpoint.hostHeader()).append("\r\n");
        boolean connection = false;
        boolean agent = false;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            connection |= h.getKey().equalsIgnoreCase("connection");
            agent |= h.getKey().equalsIgnoreCase("user-agent");
        }
        if (!connection) {
            head.append("Connection: close\r\n");
        }
        if (!agent) {
            head.append("User-Agent: mesos-java\r\n");
        }
        head.append("Content-Length: ").append(length).append("\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One line without its CRLF (or LF); null at the end of the stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= 65536) {
                throw new HttpException("HTTP header line too long");
            }
            line.write(b);
        }
        return line.size() == 0 ? null : new String(line.toByteArray(), StandardCharsets.ISO_8859_1);
    }
}
