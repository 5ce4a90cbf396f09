package io.mesosts.v1;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the leading master is, from what a user gives as the master:
 * <ul>
 * <li>{@code host:port} (also {@code host}, {@code http(s)://host:port}): that master; the client
 * follows a 307 it answers with.</li>
 * <li>{@code host1:5050,host2:5050,...}: masters of one cluster; the leader is where their
 * {@code /master/redirect} points (Mesos's masters answer it with 307 to the leader).</li>
 * <li>{@code zk://[user:password@]host1:2181,host2:2181/path}: the leader elected in ZooKeeper,
 * read with the ZooKeeper client when {@code org.apache.zookeeper} is on the classpath (the
 * group's member with the smallest sequence leads; {@code json.info_<seq>} holds its MasterInfo
 * as JSON).</li>
 * <li>{@code file:///path}: a file holding one of these (the packages' /etc/mesos/zk).</li>
 * </ul>
 */
public final class Masters {
    static final String REDIRECT_PATH = "/master/redirect";
    static final String NO_ZOOKEEPER = "zk:// needs a ZooKeeper client (org.apache.zookeeper, zookeeper.jar) on the"
        + " classpath; without it give the masters as host1:5050,host2:5050 and the leader is found through"
        + " /master/redirect";
    private static final String ZOOKEEPER_CLASS = "org.apache.zookeeper.ZooKeeper";

    private final List<Http.Endpoint> endpoints;
    private final ZkUrl zk;

    private Masters(List<Http.Endpoint> endpoints, ZkUrl zk) {
        this.endpoints = endpoints;
        this.zk = zk;
    }

    /** Parses a master string; IllegalArgumentException (one line) for one that cannot be used. */
    public static Masters parse(String master, int defaultPort) {
        String text = master.trim();
        if (text.startsWith("file://")) {
            String path = text.substring("file://".length());
            try {
                text = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the master from " + path + ": " + e);
            }
        }
        if (text.startsWith("zk://")) {
            ZkUrl url = new ZkUrl(text);
            try {
                Class.forName(ZOOKEEPER_CLASS);
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalArgumentException(NO_ZOOKEEPER);
            }
            return new Masters(Collections.<Http.Endpoint>emptyList(), url);
        }
        List<Http.Endpoint> list = new ArrayList<Http.Endpoint>();
        for (String part : text.split(",")) {
            if (!part.trim().isEmpty()) {
                list.add(Http.parseEndpoint(part, defaultPort));
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("'" + master + "' names no master; expected host:port or host1:port1,host2:port2");
        }
        return new Masters(Collections.unmodifiableList(list), null);
    }

    /** Whether the leader is looked up before each subscription (several masters, or ZooKeeper). */
    public boolean follows() {
        return zk != null || endpoints.size() > 1;
    }

    /** The masters as given (a ZooKeeper URL without its password). */
    public String describe() {
        if (zk != null) {
            return zk.toString();
        }
        StringBuilder out = new StringBuilder();
        for (Http.Endpoint e : endpoints) {
            out.append(out.length() == 0 ? "" : ",").append(e.url());
        }
        return out.toString();
    }

    /** The only master, when the leader is not looked up. */
    Http.Endpoint single() {
        return follows() ? null : endpoints.get(0);
    }

    /** The leading master's endpoint; an IOException says why none was found. */
    public Http.Endpoint find(int timeoutMillis) throws IOException {
        if (zk != null) {
            return findInZooKeeper(timeoutMillis);
        }
        if (!follows()) {
            return endpoints.get(0);
        }
        List<String> problems = new ArrayList<String>();
        for (Http.Endpoint endpoint : endpoints) {
            Http.Response response;
            try {
                response = Http.request(endpoint, "GET", REDIRECT_PATH, new byte[0], Collections.<String, String>emptyMap(), timeoutMillis);
            } catch (IOException e) {
                problems.add(endpoint.hostHeader() + ": " + e.getMessage());
                continue;
            }
            String location = response.headers.get("location");
            if (response.status == 307 && location != null) {
                return Http.resolveLocation(endpoint, location);
            }
            String text = new String(response.body, StandardCharsets.UTF_8).trim();
            problems.add(endpoint.hostHeader() + ": HTTP " + response.status + " " + (text.isEmpty() ? response.reason : text));
        }
        throw new Http.HttpException("no leading master found among " + describe() + " (" + String.join("; ", problems) + ")");
    }

    /** The member that leads: the smallest sequence ({@code <label>_<seq>} or {@code <seq>}). */
    static String leaderMember(List<String> children) {
        String best = null;
        long bestSequence = Long.MAX_VALUE;
        for (String name : children) {
            String sequence = name.substring(name.lastIndexOf('_') + 1);
            if (sequence.isEmpty() || !sequence.chars().allMatch(Character::isDigit)) {
                continue;
            }
            long value = Long.parseLong(sequence);
            if (value < bestSequence) {
                bestSequence = value;
                best = name;
            }
        }
        return best;
    }

    /** Where to reach the master whose znode {@code member} holds {@code data}. */
    static Http.Endpoint masterEndpoint(String member, byte[] data) throws IOException {
        int underscore = member.lastIndexOf('_');
        String label = underscore < 0 ? "" : member.substring(0, underscore);
        String text = new String(data, StandardCharsets.UTF_8).trim();
        if (label.isEmpty()) {
            // Masters before Mesos 0.24 wrote their UPID, master@ip:port.
            return Http.parseEndpoint(text.substring(text.indexOf('@') + 1), 5050);
        }
        if (!"json.info".equals(label)) {
            throw new Http.HttpException("cannot read the leader's znode " + member + " (label '" + label + "')");
        }
        Map<String, Object> info = Json.parseObject(text);
        Object pid = info.get("pid");
        if (pid instanceof String && ((String) pid).contains("@")) {
            return Http.parseEndpoint(((String) pid).substring(((String) pid).indexOf('@') + 1), 5050);
        }
        Object ip = Json.get(info, "address", "ip");
        Object port = Json.get(info, "address", "port");
        if (ip instanceof String && port instanceof Number) {
            return new Http.Endpoint("http", (String) ip, ((Number) port).intValue());
        }
        throw new Http.HttpException("the leader's MasterInfo in " + member + " names no address");
    }

    /** One ZooKeeper session per lookup, through reflection: the client is optional at run time. */
    private Http.Endpoint findInZooKeeper(int timeoutMillis) throws IOException {
        Object client = null;
        try {
            Class<?> zkClass = Class.forName(ZOOKEEPER_CLASS);
            Class<?> watcherClass = Class.forName("org.apache.zookeeper.Watcher");
            CountDownLatch connected = new CountDownLatch(1);
            InvocationHandler onEvent = (proxy, method, args) -> {
                if ("process".equals(method.getName()) && args != null && args.length == 1) {
                    Object state = args[0].getClass().getMethod("getState").invoke(args[0]);
                    if ("SyncConnected".equals(String.valueOf(state))) {
                        connected.countDown();
                    }
                    return null;
                }
                if ("equals".equals(method.getName())) {
                    return proxy == args[0];
                }
                return "hashCode".equals(method.getName()) ? System.identityHashCode(proxy) : "ZooKeeper watcher";
            };
            Object watcher = Proxy.newProxyInstance(watcherClass.getClassLoader(), new Class<?>[] {watcherClass}, onEvent);
            client = zkClass.getConstructor(String.class, int.class, watcherClass).newInstance(zk.servers, timeoutMillis, watcher);
            if (zk.credentials != null) {
                zkClass.getMethod("addAuthInfo", String.class, byte[].class)
                    .invoke(client, "digest", zk.credentials.getBytes(StandardCharsets.UTF_8));
            }
            if (!connected.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new Http.HttpException("cannot connect to ZooKeeper at " + zk.servers + " within " + timeoutMillis + " ms");
            }
            @SuppressWarnings("unchecked")
            List<String> children = (List<String>) zkClass.getMethod("getChildren", String.class, boolean.class)
                .invoke(client, zk.path, false);
            String member = leaderMember(children);
            if (member == null) {
                throw new Http.HttpException("no master leads in " + zk + " (none has joined the group)");
            }
            Class<?> statClass = Class.forName("org.apache.zookeeper.data.Stat");
            byte[] data = (byte[]) zkClass.getMethod("getData", String.class, boolean.class, statClass)
                .invoke(client, zk.path + "/" + member, false, null);
            return masterEndpoint(member, data);
        } catch (InvocationTargetException e) {
            throw new Http.HttpException("ZooKeeper at " + zk.servers + ": " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new Http.HttpException("the ZooKeeper client on the classpath cannot be used: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Http.HttpException("interrupted while reading ZooKeeper");
        } finally {
            if (client != null) {
                try {
                    client.getClass().getMethod("close").invoke(client);
                } catch (ReflectiveOperationException e) {
                    // Closing is best effort: the session expires on its own.
                }
            }
        }
    }

    /** zk://[user:password@]servers/path, as Mesos reads it. */
    static final class ZkUrl {
        private static final Pattern URL = Pattern.compile("^zk://(?:(.*)@)?([^/@]*)(/.*)?$");
        final String credentials;
        final String servers;
        final String path;

        ZkUrl(String text) {
            Matcher m = URL.matcher(text.trim());
            if (!m.matches() || m.group(2).isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' is not a ZooKeeper URL; expected zk://host1:2181,host2:2181/path");
            }
            credentials = m.group(1);
            servers = m.group(2);
            String p = m.group(3) == null ? "/" : m.group(3);
            if ("/".equals(p)) {
                throw new IllegalArgumentException("'" + text + "': expecting a (chroot) path for ZooKeeper ('/' is not supported)");
            }
            path = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        }

        @Override
        public String toString() {
            String user = credentials == null ? "" : credentials.split(":", 2)[0] + ":****@";
            return "zk://" + user + servers + path;
        }
    }
}
