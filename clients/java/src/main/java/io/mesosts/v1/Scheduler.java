package io.mesosts.v1;

import java.util.List;
import java.util.Map;

/**
 * The events of the v1 scheduler API. Implement what you need; every method gets the client
 * first and runs on its event thread, one event at a time. Handlers may call the client.
 */
public interface Scheduler {
    /** SUBSCRIBED: the framework's id and the master's MasterInfo (or null). */
    default void subscribed(SchedulerClient client, String frameworkId, Map<String, Object> masterInfo) {
    }

    /** OFFERS: Offer messages. */
    default void offers(SchedulerClient client, List<Map<String, Object>> offers) {
    }

    /** INVERSE_OFFERS: InverseOffer messages. */
    default void inverseOffers(SchedulerClient client, List<Map<String, Object>> inverseOffers) {
    }

    /** RESCIND: the offer is no longer valid. */
    default void rescind(SchedulerClient client, String offerId) {
    }

    /** UPDATE: a TaskStatus. With automatic acknowledgement it is acknowledged after this returns. */
    default void update(SchedulerClient client, Map<String, Object> status) {
    }

    /** MESSAGE from an executor. */
    default void message(SchedulerClient client, String agentId, String executorId, byte[] data) {
    }

    /** FAILURE: an agent was lost (executorId null) or an executor exited (status). */
    default void failure(SchedulerClient client, String agentId, String executorId, Integer status) {
    }

    /** ERROR from the master, or a subscription it refused; the client stops after it. */
    default void error(SchedulerClient client, String message) {
    }

    /** HEARTBEAT. */
    default void heartbeat(SchedulerClient client) {
    }

    /** The event stream broke; the client subscribes again when reconnection is on. */
    default void disconnected(SchedulerClient client, String reason) {
    }
}
