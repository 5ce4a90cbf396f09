import io.mesosts.v1.Json;
import io.mesosts.v1.Messages;
import io.mesosts.v1.Resources;
import io.mesosts.v1.Scheduler;
import io.mesosts.v1.SchedulerCallException;
import io.mesosts.v1.SchedulerClient;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Launches one command task through the v1 scheduler API and waits for it to end.
 *
 * <pre>
 * java -cp mesos.jar:. HelloScheduler --master=127.0.0.1:5050 --command='echo hello'
 * </pre>
 *
 * Exit status: 0 when the task reached TASK_FINISHED, 1 for any other end or an error, 2 on
 * timeout. The framework is torn down before exiting.
 */
public final class HelloScheduler implements Scheduler {
    private final String command;
    private final List<Map<String, Object>> taskResources =
        Arrays.asList(Resources.cpus(0.1), Resources.mem(32));
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile String taskId;
    private volatile String finalState;

    private HelloScheduler(String command) {
        this.command = command;
    }

    @Override
    public void subscribed(SchedulerClient client, String frameworkId, Map<String, Object> masterInfo) {
        System.out.println("Subscribed with ID " + frameworkId);
    }

    @Override
    public void offers(SchedulerClient client, List<Map<String, Object>> offers) {
        try {
            for (Map<String, Object> offer : offers) {
                String offerId = Messages.idValue(offer.get("id"));
                String agentId = Messages.idValue(offer.get("agent_id"));
                if (taskId == null && Resources.fits(Json.getList(offer, "resources"), taskResources)) {
                    taskId = "hello-" + offerId;
                    Map<String, Object> task = Messages.commandTask(taskId, agentId, command, taskResources);
                    task.put("name", "hello");
                    client.launch(offerId, Arrays.asList(task));
                    System.out.println("Submitted task '" + taskId + "' to agent '" + agentId + "'");
                } else {
                    client.decline(offerId, 60.0);
                }
            }
            if (taskId != null) {
                client.suppress();
            }
        } catch (SchedulerCallException e) {
            System.err.println("Call failed: " + e.getMessage());
        }
    }

    @Override
    public void update(SchedulerClient client, Map<String, Object> status) {
        String state = Json.getString(status, "state");
        String id = Messages.idValue(status.get("task_id"));
        System.out.println("Received status update " + state + " for task '" + id + "'");
        String message = Json.getString(status, "message");
        if (message != null) {
            System.out.println("  message: '" + message + "'");
        }
        if (id.equals(taskId) && Messages.isTerminal(state)) {
            finalState = state;
            done.countDown();
        }
    }

    @Override
    public void error(SchedulerClient client, String message) {
        System.err.println("Received an ERROR: " + message);
        done.countDown();
    }

    @Override
    public void disconnected(SchedulerClient client, String reason) {
        System.err.println("Disconnected from " + client.master() + ": " + reason);
    }

    public static void main(String[] args) throws InterruptedException {
        String master = System.getenv("MESOS_MASTER") != null ? System.getenv("MESOS_MASTER") : "127.0.0.1:5050";
        String command = "echo 'Hello from mesos-ts'";
        long timeoutSeconds = 60;
        String principal = null;
        String secret = System.getenv("MESOS_SECRET");
        for (String arg : args) {
            if (arg.startsWith("--master=")) {
                master = arg.substring("--master=".length());
            } else if (arg.startsWith("--command=")) {
                command = arg.substring("--command=".length());
            } else if (arg.startsWith("--principal=")) {
                principal = arg.substring("--principal=".length());
            } else if (arg.startsWith("--secret=")) {
                secret = arg.substring("--secret=".length());
            } else if (arg.startsWith("--timeout=")) {
                timeoutSeconds = Long.parseLong(arg.substring("--timeout=".length()));
            } else {
                System.err.println("usage: HelloScheduler [--master=host:port|host1:port1,host2:port2|zk://host:2181/mesos]"
                    + " [--command=CMD] [--timeout=SECS] [--principal=P --secret=S (or MESOS_SECRET)]");
                System.exit(1);
            }
        }
        HelloScheduler scheduler = new HelloScheduler(command);
        Map<String, Object> framework = Json.obj("user", System.getProperty("user.name"), "name", "HelloScheduler (java)");
        SchedulerClient client;
        try {
            SchedulerClient.Options options = new SchedulerClient.Options().failoverTimeout(0);
            if (principal != null) {
                options.credential(principal, secret == null ? "" : secret);
            }
            client = new SchedulerClient(master, framework, scheduler, options);
        } catch (IllegalArgumentException e) {
            System.err.println("HelloScheduler: " + e.getMessage());
            System.exit(1);
            return;
        }
        client.start();
        boolean ended = scheduler.done.await(timeoutSeconds, TimeUnit.SECONDS);
        client.stop(true);
        System.out.flush();
        if (!ended) {
            System.err.println("Timed out after " + timeoutSeconds + " s");
            System.exit(2);
        }
        System.exit("TASK_FINISHED".equals(scheduler.finalState) ? 0 : 1);
    }
}
