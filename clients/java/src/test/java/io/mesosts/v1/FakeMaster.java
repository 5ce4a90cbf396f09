package io.mesosts.v1;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * A scriptable stand-in for the master's /api/v1/scheduler: SUBSCRIBE gets a chunked RecordIO
 * stream the test pushes events into; other calls are recorded and answered callStatus.
 * GET /master/redirect answers 307 to redirectLocation, or 503 while it is null.
 */
final class FakeMaster implements AutoCloseable {
    static final class Request {
        final Map<String, String> headers = new LinkedHashMap<String, String>();
        final Map<String, Object> json;

        Request(HttpExchange exchange, byte[] body) {
            for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
                headers.put(h.getKey().toLowerCase(), h.getValue().get(0));
            }
            json = Json.parseObject(new String(body, StandardCharsets.UTF_8));
        }

        String type() {
            return (String) json.get("type");
        }
    }

    private static final Object CLOSE = new Object();
    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<BlockingQueue<Object>> streams = Collections.synchronizedList(new ArrayList<BlockingQueue<Object>>());
    final List<Request> subscriptions = Collections.synchronizedList(new ArrayList<Request>());
    final List<Request> calls = Collections.synchronizedList(new ArrayList<Request>());
    volatile int subscribeStatus = 200;
    volatile String subscribeBody = "";
    volatile Map<String, String> subscribeHeaders = new LinkedHashMap<String, String>();
    volatile int callStatus = 202;
    volatile String callBody = "";
    volatile String redirectLocation;
    volatile int redirectRequests;
    volatile Function<Request, List<Map<String, Object>>> onSubscribe = r -> new ArrayList<Map<String, Object>>();

    FakeMaster() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(pool);
        server.createContext("/api/v1/scheduler", this::handle);
        server.createContext("/master/redirect", this::redirect);
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    static Map<String, Object> subscribed(String frameworkId, double interval) {
        return Json.obj("type", "SUBSCRIBED", "subscribed",
            Json.obj("framework_id", Json.obj("value", frameworkId), "heartbeat_interval_seconds", interval));
    }

    void push(Map<String, Object> event) {
        streams.get(streams.size() - 1).add(event);
    }

    void closeStreams() {
        synchronized (streams) {
            for (BlockingQueue<Object> s : streams) {
                s.add(CLOSE);
            }
            streams.clear();
        }
    }

    List<Request> callsOf(String type) {
        List<Request> out = new ArrayList<Request>();
        synchronized (calls) {
            for (Request r : calls) {
                if (type.equals(r.type())) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        closeStreams();
        server.stop(0);
        pool.shutdownNow();
    }

    private void redirect(HttpExchange exchange) throws IOException {
        redirectRequests++;
        readAll(exchange.getRequestBody());
        String location = redirectLocation;
        if (location == null) {
            respond(exchange, 503, "No leader elected", Collections.<String, String>emptyMap());
        } else {
            respond(exchange, 307, "", Collections.singletonMap("Location", location));
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        Request request = new Request(exchange, readAll(exchange.getRequestBody()));
        if (!"SUBSCRIBE".equals(request.type())) {
            calls.add(request);
            respond(exchange, callStatus, callBody, Collections.<String, String>emptyMap());
            return;
        }
        subscriptions.add(request);
        if (subscribeStatus != 200) {
            respond(exchange, subscribeStatus, subscribeBody, subscribeHeaders);
            return;
        }
        BlockingQueue<Object> queue = new LinkedBlockingQueue<Object>(onSubscribe.apply(request));
        streams.add(queue);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Mesos-Stream-Id", "stream-" + subscriptions.size());
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            while (true) {
                Object event = queue.take();
                if (event == CLOSE) {
                    break;
                }
                out.write(RecordIO.encode(Json.write(event)));
                out.flush();
            }
        } catch (InterruptedException | IOException e) {
            // The client went away, or the server is stopping.
        } finally {
            exchange.close();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body, Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            exchange.getResponseHeaders().set(h.getKey(), h.getValue());
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
