package io.mesosts.v1;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/** SchedulerClient against FakeMaster: calls on the wire, events, acknowledgements, reconnection. */
public final class SchedulerClientTest implements AutoCloseable {
    private static final Map<String, Object> FRAMEWORK = Json.obj("user", "tester", "name", "unit");
    private final FakeMaster master;
    private final Recorder recorder = new Recorder();
    private final List<SchedulerClient> clients = new ArrayList<SchedulerClient>();

    static {
        // Handler failures are logged at SEVERE on purpose in one test; keep the output quiet.
        Logger.getLogger(SchedulerClient.class.getName()).setLevel(Level.OFF);
    }

    public SchedulerClientTest() throws Exception {
        master = new FakeMaster();
        master.onSubscribe = r -> Collections.singletonList(FakeMaster.subscribed("fw-1", 15));
    }

    @Override
    public void close() {
        for (SchedulerClient c : clients) {
            c.stop();
        }
        master.close();
    }

    /** Records every callback as a list: name then arguments. */
    static final class Recorder implements Scheduler {
        final List<List<Object>> events = Collections.synchronizedList(new ArrayList<List<Object>>());
        volatile boolean throwOnUpdate;

        void add(Object... event) {
            events.add(Arrays.asList(event));
        }

        List<List<Object>> named(String name) {
            List<List<Object>> out = new ArrayList<List<Object>>();
            synchronized (events) {
                for (List<Object> e : events) {
                    if (e.get(0).equals(name)) {
                        out.add(e.subList(1, e.size()));
                    }
                }
            }
            return out;
        }

        void await(String name, int count) throws Exception {
            Check.eventually(count + " " + name + " callbacks (have " + events + ")", () -> named(name).size() >= count);
        }

        @Override
        public void subscribed(SchedulerClient client, String frameworkId, Map<String, Object> masterInfo) {
            add("subscribed", frameworkId);
        }

        @Override
        public void offers(SchedulerClient client, List<Map<String, Object>> offers) {
            add("offers", offers);
        }

        @Override
        public void rescind(SchedulerClient client, String offerId) {
            add("rescind", offerId);
        }

        @Override
        public void update(SchedulerClient client, Map<String, Object> status) {
            add("update", status);
            if (throwOnUpdate) {
                throw new IllegalStateException("handler failure");
            }
        }

        @Override
        public void message(SchedulerClient client, String agentId, String executorId, byte[] data) {
            add("message", agentId, executorId, new String(data, StandardCharsets.UTF_8));
        }

        @Override
        public void failure(SchedulerClient client, String agentId, String executorId, Integer status) {
            add("failure", agentId, executorId, status);
        }

        @Override
        public void error(SchedulerClient client, String message) {
            add("error", message);
        }

        @Override
        public void heartbeat(SchedulerClient client) {
            add("heartbeat");
        }

        @Override
        public void disconnected(SchedulerClient client, String reason) {
            add("disconnected", reason);
        }
    }

    private SchedulerClient start(String address, SchedulerClient.Options options) throws Exception {
        SchedulerClient client = new SchedulerClient(address, FRAMEWORK, recorder, options.timeoutMillis(5000));
        clients.add(client);
        client.start();
        Check.isTrue(client.awaitSubscribed(5000), "not subscribed: " + recorder.events);
        return client;
    }

    private SchedulerClient start() throws Exception {
        return start(master.address(), new SchedulerClient.Options());
    }

    public void testSubscribeSendsTheFrameworkAndKeepsTheStreamId() throws Exception {
        SchedulerClient client = start(master.address(), new SchedulerClient.Options().failoverTimeout(30).suppressedRoles("web"));
        FakeMaster.Request request = master.subscriptions.get(0);
        Check.equal("application/json", request.headers.get("content-type"));
        Check.equal("application/json", request.headers.get("accept"));
        Check.equal(null, request.headers.get("mesos-stream-id"));
        Check.equal(Json.obj("type", "SUBSCRIBE", "subscribe", Json.obj(
            "framework_info", Json.obj("user", "tester", "name", "unit", "failover_timeout", 30.0),
            "suppressed_roles", Json.arr("web"))), request.json);
        recorder.await("subscribed", 1);
        Check.equal(Arrays.asList("fw-1"), recorder.named("subscribed").get(0));
        Check.equal("fw-1", client.frameworkId());
        Check.equal("stream-1", client.streamId());
    }

    public void testACredentialGoesAsHttpBasicOnEveryCallAndNamesThePrincipal() throws Exception {
        SchedulerClient client = start(master.address(), new SchedulerClient.Options().credential("fw", "s3:cret"));
        String expected = "Basic " + Base64.getEncoder().encodeToString("fw:s3:cret".getBytes(StandardCharsets.UTF_8));
        FakeMaster.Request request = master.subscriptions.get(0);
        Check.equal(expected, request.headers.get("authorization"));
        Check.equal(Json.obj("user", "tester", "name", "unit", "principal", "fw"),
            ((Map<?, ?>) request.json.get("subscribe")).get("framework_info"));
        client.revive();
        Check.equal(expected, master.callsOf("REVIVE").get(0).headers.get("authorization"));
        boolean refused = false;
        try {
            new SchedulerClient.Options().credential("a:b", "x");
        } catch (IllegalArgumentException e) {
            refused = true;
        }
        Check.isTrue(refused, "a principal with ':' was accepted");
    }

    public void testEventsReachTheScheduler() throws Exception {
        start();
        Map<String, Object> offer = Json.obj("id", Json.obj("value", "o1"), "agent_id", Json.obj("value", "a1"));
        master.push(Json.obj("type", "OFFERS", "offers", Json.obj("offers", Json.arr(offer))));
        master.push(Json.obj("type", "RESCIND", "rescind", Json.obj("offer_id", Json.obj("value", "o1"))));
        master.push(Json.obj("type", "MESSAGE", "message", Json.obj("agent_id", Json.obj("value", "a1"),
            "executor_id", Json.obj("value", "e1"), "data", Base64.getEncoder().encodeToString("hi".getBytes("UTF-8")))));
        master.push(Json.obj("type", "FAILURE", "failure", Json.obj("agent_id", Json.obj("value", "a1"),
            "executor_id", Json.obj("value", "e1"), "status", 9)));
        master.push(Json.obj("type", "HEARTBEAT"));
        recorder.await("heartbeat", 1);
        Check.equal(Arrays.asList(Json.arr(offer)), recorder.named("offers").get(0));
        Check.equal(Arrays.asList("o1"), recorder.named("rescind").get(0));
        Check.equal(Arrays.asList("a1", "e1", "hi"), recorder.named("message").get(0));
        Check.equal(Arrays.asList("a1", "e1", 9), recorder.named("failure").get(0));
    }

    public void testUpdatesWithAUuidAreAcknowledged() throws Exception {
        SchedulerClient client = start();
        Map<String, Object> status = Json.obj("task_id", Json.obj("value", "t1"), "state", "TASK_RUNNING",
            "agent_id", Json.obj("value", "a1"), "uuid", "AAEC");
        master.push(Json.obj("type", "UPDATE", "update", Json.obj("status", status)));
        master.push(Json.obj("type", "UPDATE", "update", Json.obj("status",
            Json.obj("task_id", Json.obj("value", "t2"), "state", "TASK_LOST"))));
        recorder.await("update", 2);
        Check.eventually("ACKNOWLEDGE", () -> master.callsOf("ACKNOWLEDGE").size() == 1);
        Thread.sleep(100);
        List<FakeMaster.Request> acks = master.callsOf("ACKNOWLEDGE");
        Check.equal(1, acks.size());
        Check.equal(client.streamId(), acks.get(0).headers.get("mesos-stream-id"));
        Check.equal(Json.obj("type", "ACKNOWLEDGE", "acknowledge", Json.obj("agent_id", Json.obj("value", "a1"),
            "task_id", Json.obj("value", "t1"), "uuid", "AAEC"), "framework_id", Json.obj("value", "fw-1")), acks.get(0).json);
    }

    public void testNoAcknowledgementWhenOffOrWhenTheHandlerThrows() throws Exception {
        SchedulerClient client = start(master.address(), new SchedulerClient.Options().autoAcknowledge(false));
        Map<String, Object> status = Json.obj("task_id", Json.obj("value", "t1"), "state", "TASK_RUNNING",
            "agent_id", Json.obj("value", "a1"), "uuid", "AAEC");
        master.push(Json.obj("type", "UPDATE", "update", Json.obj("status", status)));
        recorder.await("update", 1);
        client.setAutoAcknowledge(true);
        recorder.throwOnUpdate = true;
        master.push(Json.obj("type", "UPDATE", "update", Json.obj("status", status)));
        master.push(Json.obj("type", "HEARTBEAT"));
        recorder.await("heartbeat", 1);
        Check.equal(0, master.callsOf("ACKNOWLEDGE").size());
    }

    public void testEveryCallHasTheDocumentedBody() throws Exception {
        SchedulerClient client = start();
        Map<String, Object> task = Messages.commandTask("t1", "a1", "echo hi", Arrays.asList(Resources.cpus(0.1)));
        client.launch("o1", Arrays.asList(task));
        client.decline(Arrays.asList("o2", "o3"), 60.0);
        client.revive();
        client.revive("web");
        client.suppress("web");
        client.kill("t1", "a1");
        client.shutdown("e1", "a1");
        client.reconcileAll();
        client.reconcile(Arrays.asList(SchedulerClient.reconcileTask("t1", null), SchedulerClient.reconcileTask("t2", "a2")));
        client.message("a1", "e1", new byte[] {(byte) 0xff, 'd'});
        client.teardownCall();
        List<Object> bodies = new ArrayList<Object>();
        for (FakeMaster.Request r : master.calls) {
            Check.equal(Json.obj("value", "fw-1"), r.json.remove("framework_id"));
            Check.equal("stream-1", r.headers.get("mesos-stream-id"));
            bodies.add(r.json);
        }
        Check.equal(Json.arr(
            Json.obj("type", "ACCEPT", "accept", Json.obj("offer_ids", Json.arr(Json.obj("value", "o1")),
                "operations", Json.arr(Json.obj("type", "LAUNCH", "launch", Json.obj("task_infos", Json.arr(Json.obj(
                    "name", "t1", "task_id", Json.obj("value", "t1"), "agent_id", Json.obj("value", "a1"),
                    "resources", Json.arr(Json.obj("name", "cpus", "type", "SCALAR", "scalar", Json.obj("value", 0.1))),
                    "command", Json.obj("shell", true, "value", "echo hi")))))))),
            Json.obj("type", "DECLINE", "decline", Json.obj("offer_ids", Json.arr(Json.obj("value", "o2"), Json.obj("value", "o3")),
                "filters", Json.obj("refuse_seconds", 60.0))),
            Json.obj("type", "REVIVE"),
            Json.obj("type", "REVIVE", "revive", Json.obj("roles", Json.arr("web"))),
            Json.obj("type", "SUPPRESS", "suppress", Json.obj("roles", Json.arr("web"))),
            Json.obj("type", "KILL", "kill", Json.obj("task_id", Json.obj("value", "t1"), "agent_id", Json.obj("value", "a1"))),
            Json.obj("type", "SHUTDOWN", "shutdown", Json.obj("executor_id", Json.obj("value", "e1"), "agent_id", Json.obj("value", "a1"))),
            Json.obj("type", "RECONCILE", "reconcile", Json.obj("tasks", Json.arr())),
            Json.obj("type", "RECONCILE", "reconcile", Json.obj("tasks", Json.arr(Json.obj("task_id", Json.obj("value", "t1")),
                Json.obj("task_id", Json.obj("value", "t2"), "agent_id", Json.obj("value", "a2"))))),
            Json.obj("type", "MESSAGE", "message", Json.obj("agent_id", Json.obj("value", "a1"), "executor_id", Json.obj("value", "e1"),
                "data", "/2Q=")),
            Json.obj("type", "TEARDOWN")), bodies);
    }

    public void testErrorStatusesThrowWithTheMastersMessage() throws Exception {
        SchedulerClient client = start();
        master.callStatus = 403;
        master.callBody = "Framework is not subscribed";
        SchedulerCallException e = Check.throwsA(SchedulerCallException.class, () -> client.revive());
        Check.equal(403, e.status());
        Check.equal("REVIVE failed with HTTP 403: Framework is not subscribed", e.getMessage());
        SchedulerClient idle = new SchedulerClient(master.address(), FRAMEWORK, recorder);
        Check.equal(0, Check.throwsA(SchedulerCallException.class, () -> idle.revive()).status());
    }

    public void testABrokenStreamResubscribesWithTheFrameworkId() throws Exception {
        SchedulerClient client = start(master.address(), new SchedulerClient.Options().failoverTimeout(60));
        master.closeStreams();
        recorder.await("subscribed", 2);
        Check.isTrue(recorder.named("disconnected").get(0).get(0).toString().contains("closed"), "reason");
        Map<String, Object> again = master.subscriptions.get(1).json;
        Check.equal(Json.obj("value", "fw-1"), again.get("framework_id"));
        Check.equal(Json.obj("value", "fw-1"), Json.get(again, "subscribe", "framework_info", "id"));
        Check.eventually("the new stream id", () -> "stream-2".equals(client.streamId()));
    }

    public void testSilenceForSeveralHeartbeatsBreaksTheStream() throws Exception {
        master.onSubscribe = r -> Collections.singletonList(FakeMaster.subscribed("fw-1", 0.1));
        start(master.address(), new SchedulerClient.Options().missedHeartbeats(2).maxBackoffMillis(100));
        recorder.await("subscribed", 2);
        Check.isTrue(recorder.named("disconnected").get(0).get(0).toString().contains("heartbeat"), "reason");
    }

    public void testWithoutReconnectTheClientEndsWithTheStream() throws Exception {
        SchedulerClient client = start(master.address(), new SchedulerClient.Options().reconnect(false));
        master.closeStreams();
        Check.isTrue(client.join(5000), "event thread ended");
        Check.equal(1, master.subscriptions.size());
        Check.equal(1, recorder.named("disconnected").size());
    }

    public void testAnErrorEventStopsTheClient() throws Exception {
        SchedulerClient client = start();
        master.push(Json.obj("type", "ERROR", "error", Json.obj("message", "Framework has been removed")));
        master.closeStreams();
        Check.isTrue(client.join(5000), "event thread ended");
        Check.equal(Arrays.asList("Framework has been removed"), recorder.named("error").get(0));
        Check.equal(1, master.subscriptions.size());
    }

    public void testARefusedSubscriptionIsAnError() throws Exception {
        master.subscribeStatus = 400;
        master.subscribeBody = "Invalid FrameworkInfo";
        SchedulerClient client = new SchedulerClient(master.address(), FRAMEWORK, recorder);
        clients.add(client);
        client.start();
        Check.isTrue(client.join(5000), "event thread ended");
        Check.equal(Arrays.asList("SUBSCRIBE failed with HTTP 400: Invalid FrameworkInfo"), recorder.named("error").get(0));
        Check.equal("SUBSCRIBE failed with HTTP 400: Invalid FrameworkInfo", client.lastError());
    }

    public void testARedirectLeadsToTheLeader() throws Exception {
        try (FakeMaster follower = new FakeMaster()) {
            follower.subscribeStatus = 307;
            follower.subscribeHeaders = Collections.singletonMap("Location", "//" + master.address() + "/api/v1/scheduler");
            SchedulerClient client = start("http://" + follower.address(), new SchedulerClient.Options());
            Check.equal("http://" + master.address(), client.master());
            client.revive();
            Check.equal(1, master.callsOf("REVIVE").size());
            Check.equal(0, follower.calls.size());
        }
    }

    public void testAListOfMastersSubscribesWithTheOneMasterRedirectNames() throws Exception {
        try (FakeMaster follower = new FakeMaster()) {
            follower.redirectLocation = "//" + master.address();
            master.redirectLocation = "//" + master.address();
            String dead = "127.0.0.1:" + deadPort();
            SchedulerClient client = start(dead + "," + follower.address() + "," + master.address(), new SchedulerClient.Options());
            Check.equal("http://" + master.address(), client.master());
            Check.equal(1, master.subscriptions.size());
            Check.equal(0, follower.subscriptions.size());
            Check.equal(1, follower.redirectRequests);
        }
    }

    public void testWhenLeadershipMovesTheClientSubscribesWithTheNewLeader() throws Exception {
        try (FakeMaster other = new FakeMaster()) {
            other.onSubscribe = master.onSubscribe;
            master.redirectLocation = "//" + master.address();
            other.redirectLocation = "//" + master.address();
            SchedulerClient client = start(other.address() + "," + master.address(),
                new SchedulerClient.Options().maxBackoffMillis(200));
            Check.equal("fw-1", client.frameworkId());
            master.redirectLocation = "//" + other.address();
            other.redirectLocation = "//" + other.address();
            master.closeStreams();
            long deadline = System.currentTimeMillis() + 10_000;
            while (other.subscriptions.isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            Check.equal(1, other.subscriptions.size());
            Check.equal(Json.obj("value", "fw-1"), other.subscriptions.get(0).json.get("framework_id"));
            Check.isTrue(client.awaitSubscribed(5000), "subscribed again");
            Check.equal("http://" + other.address(), client.master());
        }
    }

    public void testNoLeaderYetIsRetriedUntilOneIsNamed() throws Exception {
        SchedulerClient client = new SchedulerClient(master.address() + "," + master.address(), FRAMEWORK, recorder,
            new SchedulerClient.Options().maxBackoffMillis(200));
        clients.add(client);
        client.start();
        recorder.await("disconnected", 1);
        String reason = (String) recorder.named("disconnected").get(0).get(0);
        Check.isTrue(reason.contains("no leading master found among"), reason);
        Check.isTrue(reason.contains("503 No leader elected"), reason);
        master.redirectLocation = "//" + master.address();
        Check.isTrue(client.awaitSubscribed(10_000), "subscribed once a leader is named");
    }

    private static int deadPort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public void testStopWithTeardown() throws Exception {
        SchedulerClient client = start();
        client.stop(true);
        Check.isTrue(!client.isRunning(), "stopped");
        Check.equal(1, master.callsOf("TEARDOWN").size());
        Check.equal(0, recorder.named("disconnected").size());
    }

    public void testStopFromAHandlerTearsDownWithoutAcknowledging() throws Exception {
        SchedulerClient client = new SchedulerClient(master.address(), FRAMEWORK, new Scheduler() {
            @Override
            public void update(SchedulerClient c, Map<String, Object> status) {
                c.stop(true);
            }
        });
        clients.add(client);
        client.start();
        Check.isTrue(client.awaitSubscribed(5000), "subscribed");
        master.push(Json.obj("type", "UPDATE", "update", Json.obj("status", Json.obj("task_id", Json.obj("value", "t1"),
            "state", "TASK_FINISHED", "agent_id", Json.obj("value", "a1"), "uuid", "AAEC"))));
        Check.isTrue(client.join(5000), "event thread ended");
        Check.equal(1, master.callsOf("TEARDOWN").size());
        Check.equal(0, master.callsOf("ACKNOWLEDGE").size());
    }

    public void testMasterAddresses() {
        String[][] good = {
            {"10.0.0.1", "http://10.0.0.1:5050"}, {"10.0.0.1:5051", "http://10.0.0.1:5051"},
            {"http://m.example:80/", "http://m.example:80"}, {"https://m.example:8443", "https://m.example:8443"},
            {"[::1]:5050", "http://[::1]:5050"},
        };
        for (String[] g : good) {
            Check.equal(g[1], new SchedulerClient(g[0], FRAMEWORK, recorder).master(), g[0]);
        }
        for (String bad : new String[] {"zk://zk1:2181", "http://", "host:99999", "ftp://x:1", ","}) {
            Check.throwsA(IllegalArgumentException.class, () -> new SchedulerClient(bad, FRAMEWORK, recorder));
        }
        Check.throwsA(IllegalArgumentException.class, () -> new SchedulerClient("m:5050", Json.obj("user", "u"), recorder));
    }
}
