package io.mesosts.v1;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A client for the Mesos v1 scheduler HTTP API ({@code POST /api/v1/scheduler} on the master).
 *
 * <p>{@link #start()} subscribes: the answer is an endless RecordIO stream of JSON events with
 * a {@code Mesos-Stream-Id} header, read by a thread that calls the {@link Scheduler} one event
 * at a time. Every other call is a POST of its own carrying framework_id and Mesos-Stream-Id,
 * answered 202 Accepted. When the stream breaks (or stays silent for several heartbeat
 * intervals) the client subscribes again with its framework id; the master keeps a framework
 * for its failover_timeout, and removes one with failover_timeout 0 at once. Given several
 * masters or a zk:// group ({@link Masters}), it looks the leader up before each subscription,
 * so that it follows the leader when leadership moves.
 */
public final class SchedulerClient {
    public static final String API_PATH = "/api/v1/scheduler";
    public static final int DEFAULT_MASTER_PORT = 5050;
    private static final String JSON = "application/json";
    private static final Logger LOG = Logger.getLogger(SchedulerClient.class.getName());

    /** Tuning; the defaults suit most frameworks. */
    public static final class Options {
        boolean autoAcknowledge = true;
        boolean reconnect = true;
        Double failoverTimeout;
        List<String> suppressedRoles = Collections.emptyList();
        int timeoutMillis = 10_000;
        int missedHeartbeats = 5;
        long maxBackoffMillis = 30_000;
        Map<String, String> headers = Collections.emptyMap();
        String principal;
        String secret;

        /** ACKNOWLEDGE every update carrying a uuid once Scheduler.update returns (default on). */
        public Options autoAcknowledge(boolean on) {
            autoAcknowledge = on;
            return this;
        }

        /** Subscribe again when the stream breaks (default on), with backoff up to maxBackoff. */
        public Options reconnect(boolean on) {
            reconnect = on;
            return this;
        }

        /** Sets framework_info.failover_timeout (seconds the master waits for us to come back). */
        public Options failoverTimeout(double seconds) {
            failoverTimeout = seconds;
            return this;
        }

        public Options suppressedRoles(String... roles) {
            suppressedRoles = Arrays.asList(roles);
            return this;
        }

        /** Connect and call timeout, and how long SUBSCRIBED may take (default 10 s). */
        public Options timeoutMillis(int millis) {
            timeoutMillis = millis;
            return this;
        }

        /** Heartbeat intervals of silence after which the stream counts as broken (default 5). */
        public Options missedHeartbeats(int count) {
            missedHeartbeats = count;
            return this;
        }

        public Options maxBackoffMillis(long millis) {
            maxBackoffMillis = millis;
            return this;
        }

        /** Extra request headers. */
        public Options headers(Map<String, String> extra) {
            headers = new LinkedHashMap<String, String>(extra);
            return this;
        }

        /**
         * The framework's credential, sent as HTTP Basic on every call (masters with
         * --authenticate_http_frameworks); the principal also goes into framework_info.principal
         * when that is not set.
         */
        public Options credential(String principal, String secret) {
            if (principal == null || principal.isEmpty() || principal.indexOf(':') >= 0 || secret == null) {
                throw new IllegalArgumentException("a credential needs a principal without ':' and a secret");
            }
            this.principal = principal;
            this.secret = secret;
            return this;
        }
    }

    /** The master refused the subscription for good. */
    private static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message);
        }
    }

    private final Scheduler scheduler;
    private final Options options;
    private final Object lock = new Object();
    // Held while an event is handled, so that stop(true) waits for the acknowledgement of the
    // update being handled. Reentrant: handlers may call stop().
    private final ReentrantLock dispatchLock = new ReentrantLock();
    private final Masters masters;
    private volatile Http.Endpoint endpoint;
    private volatile boolean stopped;
    private volatile boolean reconnect;
    private volatile boolean autoAcknowledge;
    private volatile String lastError;
    private Thread thread;
    private Http.Stream stream;
    private String streamId;
    private String frameworkId;
    private Map<String, Object> info;
    private boolean subscribed;
    private Double heartbeatInterval;

    public SchedulerClient(String master, Map<String, Object> frameworkInfo, Scheduler scheduler) {
        this(master, frameworkInfo, scheduler, new Options());
    }

    /**
     * @param master host:port, host (port 5050), http://host:port or https://host:port;
     *     host1:5050,host2:5050 (the leader found through /master/redirect); zk://host:2181/mesos
     *     (with a ZooKeeper client on the classpath); or file:///path holding one of these
     * @param frameworkInfo a FrameworkInfo (user and name required; an id makes this a failover)
     */
    public SchedulerClient(String master, Map<String, Object> frameworkInfo, Scheduler scheduler, Options options) {
        this.masters = Masters.parse(master, DEFAULT_MASTER_PORT);
        // Looked up before the first subscription when the masters are followed.
        this.endpoint = masters.single();
        this.info = new LinkedHashMap<String, Object>(frameworkInfo);
        if (options.failoverTimeout != null) {
            info.put("failover_timeout", options.failoverTimeout);
        }
        if (!(info.get("user") instanceof String) || !(info.get("name") instanceof String)) {
            throw new IllegalArgumentException("frameworkInfo needs 'user' and 'name'");
        }
        if (options.principal != null && !info.containsKey("principal")) {
            info.put("principal", options.principal);
        }
        this.frameworkId = Messages.idValue(info.get("id"));
        this.scheduler = scheduler;
        this.options = options;
        this.reconnect = options.reconnect;
        this.autoAcknowledge = options.autoAcknowledge;
    }

    // ---- state ---------------------------------------------------------------------------

    /**
     * The master in use (it changes when a master redirects to the leader, or the leader is
     * looked up again); the masters as given until one is found.
     */
    public String master() {
        Http.Endpoint e = endpoint;
        return e != null ? e.url() : masters.describe();
    }

    public String frameworkId() {
        synchronized (lock) {
            return frameworkId;
        }
    }

    public String streamId() {
        synchronized (lock) {
            return streamId;
        }
    }

    /** The last error or disconnection reason, or null. */
    public String lastError() {
        return lastError;
    }

    public void setAutoAcknowledge(boolean on) {
        autoAcknowledge = on;
    }

    public boolean isRunning() {
        return thread != null && thread.isAlive();
    }

    /** Waits until SUBSCRIBED arrived; false when the timeout passed first. */
    public boolean awaitSubscribed(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (lock) {
            while (!subscribed) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                lock.wait(left);
            }
            return true;
        }
    }

    // ---- lifecycle -----------------------------------------------------------------------

    /** Starts the event thread, which subscribes and keeps the stream going. */
    public synchronized SchedulerClient start() {
        if (thread != null) {
            throw new IllegalStateException("the client was started already");
        }
        thread = new Thread(this::run, "mesos-scheduler-events");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Waits for the event thread to end; true when it did. */
    public boolean join(long timeoutMillis) throws InterruptedException {
        if (thread == null) {
            return true;
        }
        thread.join(timeoutMillis);
        return !thread.isAlive();
    }

    public void stop() {
        stop(false);
    }

    /**
     * Closes the stream and ends the event thread. With teardown, first sends TEARDOWN: the
     * master kills the framework's tasks and forgets it.
     */
    public void stop(boolean teardown) {
        dispatchLock.lock();
        try {
            boolean alreadyStopped = stopped;
            // Set first: the master closes the stream on TEARDOWN, which is no disconnection.
            stopped = true;
            if (teardown && !alreadyStopped && streamId() != null) {
                try {
                    teardownCall();
                } catch (SchedulerCallException e) {
                    LOG.warning("TEARDOWN failed: " + e.getMessage());
                }
            }
            Http.Stream s;
            synchronized (lock) {
                s = stream;
                lock.notifyAll();
            }
            if (s != null) {
                s.close();
            }
        } finally {
            dispatchLock.unlock();
        }
        if (thread != null && Thread.currentThread() != thread) {
            try {
                thread.join(options.timeoutMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the event thread ----------------------------------------------------------------

    private void run() {
        long backoff = 500;
        while (!stopped) {
            String reason;
            try {
                subscribeAndRead();
                reason = "the master closed the event stream";
            } catch (Rejected e) {
                lastError = e.getMessage();
                callHandler("error", () -> scheduler.error(this, e.getMessage()));
                break;
            } catch (IOException | RuntimeException e) {
                reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            boolean wasSubscribed;
            synchronized (lock) {
                stream = null;
                streamId = null;
                wasSubscribed = subscribed;
                subscribed = false;
            }
            if (wasSubscribed) {
                backoff = 500;
            }
            if (stopped) {
                break;
            }
            lastError = reason;
            LOG.info("event stream from " + master() + " ended: " + reason);
            final String why = reason;
            callHandler("disconnected", () -> scheduler.disconnected(this, why));
            if (!reconnect || stopped) {
                break;
            }
            synchronized (lock) {
                if (!stopped) {
                    try {
                        lock.wait(backoff);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
            }
            backoff = Math.min(backoff * 2, options.maxBackoffMillis);
        }
        stopped = true;
    }

    private Map<String, String> headers(String stream) {
        Map<String, String> h = new LinkedHashMap<String, String>();
        h.put("Content-Type", JSON);
        h.put("Accept", JSON);
        h.putAll(options.headers);
        if (options.principal != null) {
            String pair = options.principal + ":" + options.secret;
            h.put("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    pair.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        if (stream != null) {
            h.put("Mesos-Stream-Id", stream);
        }
        return h;
    }

    private byte[] subscribeBody() {
        Map<String, Object> call;
        synchronized (lock) {
            Map<String, Object> framework = new LinkedHashMap<String, Object>(info);
            Map<String, Object> subscribe = Json.obj("framework_info", framework);
            if (!options.suppressedRoles.isEmpty()) {
                subscribe.put("suppressed_roles", new ArrayList<Object>(options.suppressedRoles));
            }
            call = Json.obj("type", "SUBSCRIBE", "subscribe", subscribe);
            if (frameworkId != null) {
                framework.put("id", Messages.id(frameworkId));
                call.put("framework_id", Messages.id(frameworkId));
            }
        }
        return Json.write(call).getBytes(StandardCharsets.UTF_8);
    }

    private Http.Stream openSubscription() throws IOException, Rejected {
        if (masters.follows()) {
            // The leader may have moved since the last subscription.
            endpoint = masters.find(options.timeoutMillis);
            LOG.info("the leading master is at " + master());
        }
        for (int i = 0; i < 5; i++) {
            Http.Stream s = Http.open(endpoint, "POST", API_PATH, subscribeBody(), headers(null), options.timeoutMillis);
            if (s.status == 307 && s.headers.containsKey("location")) {
                s.close();
                endpoint = Http.resolveLocation(endpoint, s.headers.get("location"));
                LOG.info("redirected to the leading master at " + master());
                continue;
            }
            if (s.status == 200) {
                return s;
            }
            String text;
            try {
                text = new String(s.readAll(), StandardCharsets.UTF_8).trim();
            } finally {
                s.close();
            }
            String message = "SUBSCRIBE failed with HTTP " + s.status + ": " + (text.isEmpty() ? s.reason : text);
            // 5xx: a master still recovering or without a leader; try again later.
            if (s.status >= 500) {
                throw new Http.HttpException(message);
            }
            throw new Rejected(message);
        }
        throw new Http.HttpException("too many redirects from " + master());
    }

    private void subscribeAndRead() throws IOException, Rejected {
        heartbeatInterval = null;
        Http.Stream s = openSubscription();
        synchronized (lock) {
            stream = s;
            streamId = s.headers.get("mesos-stream-id");
        }
        if (stopped) {
            s.close();
            return;
        }
        RecordIO.Decoder decoder = new RecordIO.Decoder();
        byte[] buf = new byte[65536];
        try {
            int n;
            while ((n = s.read(buf)) >= 0) {
                for (byte[] record : decoder.feed(buf, 0, n)) {
                    Map<String, Object> event = Json.parseObject(new String(record, StandardCharsets.UTF_8));
                    if ("SUBSCRIBED".equals(event.get("type"))) {
                        onSubscribed(s, Json.getObject(event, "subscribed"));
                    }
                    dispatch(event);
                    if (stopped) {
                        return;
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            throw new IOException(heartbeatInterval == null
                ? "no SUBSCRIBED event within " + options.timeoutMillis + " ms"
                : "no event for " + options.missedHeartbeats + " heartbeat intervals");
        } finally {
            s.close();
        }
    }

    private void onSubscribed(Http.Stream s, Map<String, Object> payload) throws IOException {
        Number interval = Json.getNumber(payload, "heartbeat_interval_seconds");
        heartbeatInterval = interval == null ? null : interval.doubleValue();
        // Silence longer than a few heartbeats means the master or the network is gone.
        s.setTimeout(interval == null ? 0 : (int) Math.ceil(interval.doubleValue() * 1000 * options.missedHeartbeats));
        synchronized (lock) {
            frameworkId = Messages.idValue(Json.get(payload, "framework_id"));
            info.put("id", Messages.id(frameworkId));
            subscribed = true;
            lock.notifyAll();
        }
    }

    @SuppressWarnings("unchecked")
    private void dispatch(Map<String, Object> event) {
        String type = String.valueOf(event.get("type"));
        dispatchLock.lock();
        try {
            if (stopped) {
                return;
            }
            switch (type) {
                case "SUBSCRIBED": {
                    String id = Messages.idValue(Json.get(event, "subscribed", "framework_id"));
                    Map<String, Object> masterInfo = Json.getObject(event, "subscribed", "master_info");
                    callHandler("subscribed", () -> scheduler.subscribed(this, id, masterInfo));
                    break;
                }
                case "OFFERS": {
                    List<Map<String, Object>> offers = (List<Map<String, Object>>) (List<?>) Json.getList(event, "offers", "offers");
                    callHandler("offers", () -> scheduler.offers(this, offers));
                    break;
                }
                case "INVERSE_OFFERS": {
                    List<Map<String, Object>> offers =
                        (List<Map<String, Object>>) (List<?>) Json.getList(event, "inverse_offers", "inverse_offers");
                    callHandler("inverseOffers", () -> scheduler.inverseOffers(this, offers));
                    break;
                }
                case "RESCIND": {
                    String id = Messages.idValue(Json.get(event, "rescind", "offer_id"));
                    callHandler("rescind", () -> scheduler.rescind(this, id));
                    break;
                }
                case "UPDATE": {
                    Map<String, Object> status = Json.getObject(event, "update", "status");
                    // Not after a stop() in the handler: the framework may be torn down already.
                    if (status != null && callHandler("update", () -> scheduler.update(this, status)) && autoAcknowledge
                        && !stopped) {
                        acknowledgeQuietly(status);
                    }
                    break;
                }
                case "MESSAGE": {
                    String agent = Messages.idValue(Json.get(event, "message", "agent_id"));
                    String executor = Messages.idValue(Json.get(event, "message", "executor_id"));
                    byte[] data = Messages.decodeBytes(Json.getString(event, "message", "data"));
                    callHandler("message", () -> scheduler.message(this, agent, executor, data));
                    break;
                }
                case "FAILURE": {
                    String agent = Messages.idValue(Json.get(event, "failure", "agent_id"));
                    String executor = Messages.idValue(Json.get(event, "failure", "executor_id"));
                    Number status = Json.getNumber(event, "failure", "status");
                    Integer code = status == null ? null : status.intValue();
                    callHandler("failure", () -> scheduler.failure(this, agent, executor, code));
                    break;
                }
                case "ERROR": {
                    // The master closes the stream after an ERROR; subscribing again would not help.
                    String message = Json.getString(event, "error", "message");
                    lastError = message;
                    reconnect = false;
                    callHandler("error", () -> scheduler.error(this, message));
                    break;
                }
                case "HEARTBEAT":
                    callHandler("heartbeat", () -> scheduler.heartbeat(this));
                    break;
                default:
                    LOG.fine("ignoring event of type " + type);
            }
        } finally {
            dispatchLock.unlock();
        }
    }

    /** Runs a handler method; true when it returned without throwing. */
    private boolean callHandler(String method, Runnable call) {
        try {
            call.run();
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "the scheduler's " + method + " handler threw", e);
            return false;
        }
    }

    private void acknowledgeQuietly(Map<String, Object> status) {
        if (status.get("uuid") == null || status.get("agent_id") == null) {
            return;
        }
        try {
            acknowledge(status);
        } catch (SchedulerCallException e) {
            LOG.warning("ACKNOWLEDGE of " + status.get("state") + " for task "
                + Messages.idValue(status.get("task_id")) + " failed: " + e.getMessage());
        }
    }

    // ---- calls ---------------------------------------------------------------------------

    /** Sends a Call (framework_id is filled in); returns the response body. */
    public byte[] call(Map<String, Object> call) throws SchedulerCallException {
        String id;
        String sid;
        synchronized (lock) {
            id = frameworkId;
            sid = streamId;
        }
        Object type = call.get("type");
        if (id == null || sid == null) {
            throw new SchedulerCallException(0, type + ": not subscribed");
        }
        Map<String, Object> body = new LinkedHashMap<String, Object>(call);
        body.put("framework_id", Messages.id(id));
        Http.Response response;
        try {
            response = Http.request(endpoint, "POST", API_PATH, Json.write(body).getBytes(StandardCharsets.UTF_8),
                headers(sid), options.timeoutMillis);
        } catch (IOException e) {
            throw new SchedulerCallException(type + " failed: " + e.getMessage(), e);
        }
        if (response.status != 200 && response.status != 202) {
            String text = response.text();
            throw new SchedulerCallException(response.status,
                type + " failed with HTTP " + response.status + ": " + (text.isEmpty() ? response.reason : text));
        }
        return response.body;
    }

    /** ACCEPT offers with Offer.Operation messages; unused resources are declined. */
    public void accept(List<String> offerIds, List<Map<String, Object>> operations, Double refuseSeconds)
        throws SchedulerCallException {
        Map<String, Object> accept = Json.obj("offer_ids", Messages.ids(offerIds),
            "operations", new ArrayList<Object>(operations));
        putIfSet(accept, "filters", Messages.filters(refuseSeconds));
        call(Json.obj("type", "ACCEPT", "accept", accept));
    }

    /** ACCEPT one offer with a LAUNCH of the given TaskInfos. */
    public void launch(String offerId, List<Map<String, Object>> tasks) throws SchedulerCallException {
        accept(Collections.singletonList(offerId), Collections.singletonList(Messages.launchOperation(tasks)), null);
    }

    public void decline(List<String> offerIds, Double refuseSeconds) throws SchedulerCallException {
        Map<String, Object> decline = Json.obj("offer_ids", Messages.ids(offerIds));
        putIfSet(decline, "filters", Messages.filters(refuseSeconds));
        call(Json.obj("type", "DECLINE", "decline", decline));
    }

    public void decline(String offerId, Double refuseSeconds) throws SchedulerCallException {
        decline(Collections.singletonList(offerId), refuseSeconds);
    }

    /** REVIVE offers for the roles given, or for all. */
    public void revive(String... roles) throws SchedulerCallException {
        Map<String, Object> call = Json.obj("type", "REVIVE");
        if (roles.length > 0) {
            call.put("revive", Json.obj("roles", Json.arr((Object[]) roles)));
        }
        call(call);
    }

    /** SUPPRESS offers for the roles given, or for all, until REVIVE. */
    public void suppress(String... roles) throws SchedulerCallException {
        Map<String, Object> call = Json.obj("type", "SUPPRESS");
        if (roles.length > 0) {
            call.put("suppress", Json.obj("roles", Json.arr((Object[]) roles)));
        }
        call(call);
    }

    /** KILL a task; agentId may be null. */
    public void kill(String taskId, String agentId) throws SchedulerCallException {
        Map<String, Object> kill = Json.obj("task_id", Messages.id(taskId));
        if (agentId != null) {
            kill.put("agent_id", Messages.id(agentId));
        }
        call(Json.obj("type", "KILL", "kill", kill));
    }

    public void shutdown(String executorId, String agentId) throws SchedulerCallException {
        call(Json.obj("type", "SHUTDOWN", "shutdown",
            Json.obj("executor_id", Messages.id(executorId), "agent_id", Messages.id(agentId))));
    }

    /** ACKNOWLEDGE a status update; uuid is the base64 text of TaskStatus.uuid. */
    public void acknowledge(String agentId, String taskId, String uuid) throws SchedulerCallException {
        call(Json.obj("type", "ACKNOWLEDGE", "acknowledge",
            Json.obj("agent_id", Messages.id(agentId), "task_id", Messages.id(taskId), "uuid", uuid)));
    }

    /** ACKNOWLEDGE the given TaskStatus (nothing to do for one without uuid). */
    public void acknowledge(Map<String, Object> status) throws SchedulerCallException {
        String uuid = Json.getString(status, "uuid");
        String agentId = Messages.idValue(status.get("agent_id"));
        if (uuid != null && agentId != null) {
            acknowledge(agentId, Messages.idValue(status.get("task_id")), uuid);
        }
    }

    /** RECONCILE these tasks: entries of {task_id, agent_id?} (see {@link #reconcileTask}). */
    public void reconcile(List<Map<String, Object>> tasks) throws SchedulerCallException {
        call(Json.obj("type", "RECONCILE", "reconcile", Json.obj("tasks", new ArrayList<Object>(tasks))));
    }

    /** Implicit reconciliation: the master sends the latest state of every task it knows. */
    public void reconcileAll() throws SchedulerCallException {
        reconcile(Collections.<Map<String, Object>>emptyList());
    }

    public static Map<String, Object> reconcileTask(String taskId, String agentId) {
        Map<String, Object> task = Json.obj("task_id", Messages.id(taskId));
        if (agentId != null) {
            task.put("agent_id", Messages.id(agentId));
        }
        return task;
    }

    public void message(String agentId, String executorId, byte[] data) throws SchedulerCallException {
        call(Json.obj("type", "MESSAGE", "message", Json.obj("agent_id", Messages.id(agentId),
            "executor_id", Messages.id(executorId), "data", Messages.encodeBytes(data))));
    }

    /** Sends TEARDOWN without stopping the client (the master then closes the stream). */
    public void teardownCall() throws SchedulerCallException {
        reconnect = false;
        call(Json.obj("type", "TEARDOWN"));
    }

    /** TEARDOWN the framework and stop the client. */
    public void teardown() {
        stop(true);
    }

    private static void putIfSet(Map<String, Object> target, String key, Object value) {
        if (value != null) {
            target.put(key, value);
        }
    }
}
