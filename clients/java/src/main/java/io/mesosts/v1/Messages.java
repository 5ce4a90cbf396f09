package io.mesosts.v1;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Helpers for the Mesos v1 JSON messages: IDs are {@code {"value": "..."}}, bytes fields are
 * base64, enums are their names. Messages are the maps and lists of {@link Json}.
 */
public final class Messages {
    private Messages() {
    }

    /** TaskState names after which a task never changes state again (Mesos isTerminalState). */
    public static final Set<String> TERMINAL_STATES = Collections.unmodifiableSet(new HashSet<String>(Arrays.asList(
        "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED",
        "TASK_GONE", "TASK_GONE_BY_OPERATOR")));

    public static boolean isTerminal(String state) {
        return TERMINAL_STATES.contains(state);
    }

    /** An ID message. */
    public static Map<String, Object> id(String value) {
        if (value == null) {
            throw new IllegalArgumentException("an ID needs a value");
        }
        return Json.obj("value", value);
    }

    /** The string of an ID message (or of a String); null for anything else. */
    public static String idValue(Object id) {
        if (id instanceof String) {
            return (String) id;
        }
        return Json.getString(id, "value");
    }

    public static List<Object> ids(List<String> values) {
        List<Object> out = new ArrayList<Object>();
        for (String v : values) {
            out.add(id(v));
        }
        return out;
    }

    public static String encodeBytes(byte[] data) {
        return Base64.getEncoder().encodeToString(data);
    }

    public static byte[] decodeBytes(String text) {
        return text == null || text.isEmpty() ? new byte[0] : Base64.getDecoder().decode(text);
    }

    /** A Filters message, or null for the master's default (refuse for 5 s). */
    public static Map<String, Object> filters(Double refuseSeconds) {
        return refuseSeconds == null ? null : Json.obj("refuse_seconds", refuseSeconds);
    }

    /** A TaskInfo running a shell command with the agent's command executor. */
    public static Map<String, Object> commandTask(String taskId, String agentId, String command,
                                                  List<Map<String, Object>> resources) {
        return Json.obj(
            "name", taskId,
            "task_id", id(taskId),
            "agent_id", id(agentId),
            "resources", new ArrayList<Object>(resources),
            "command", Json.obj("shell", Boolean.TRUE, "value", command));
    }

    public static Map<String, Object> launchOperation(List<Map<String, Object>> tasks) {
        return Json.obj("type", "LAUNCH", "launch", Json.obj("task_infos", new ArrayList<Object>(tasks)));
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
