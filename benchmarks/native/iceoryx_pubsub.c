// The iceoryx peer (Eclipse iceoryx 2.0, its C binding): publish/subscribe through RouDi's shared memory. The benchmark
// starts RouDi (iox-roudi) before and stops it after; every process here registers with it as a runtime.
//
// Same work as the other rows: the publisher loans a chunk, copies all SIZE bytes of the message into it and publishes
// it; the subscriber takes the chunk, copies all SIZE bytes out and releases it (iceoryx could let both sides work in
// the chunk itself; the copy is what a queue of values costs everyone else). Lossless: the subscriber asks the
// publisher to block when its queue is full (QueueFullPolicy_BLOCK_PRODUCER, ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER),
// and each side waits until it is connected before the first message.
//
// WAIT is how a subscriber waits for the next chunk: "busy" polls iox_sub_take_chunk with a PAUSE in between, "waitset"
// blocks in a WaitSet attached to the subscriber's HAS_DATA state whenever a take finds nothing.
//
// usage: iceoryx_pubsub ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH WAIT SERVICE_INSTANCE
//        iceoryx_pubsub queue ROLE SIZE ID PRODUCERS WARMUP ITEMS CPU SERVICE_INSTANCE WAIT
// A queue row has one service instance per producer/consumer pair (publish/subscribe delivers every item to every
// subscriber, so pairs are what "each item consumed once" means here).
#include "harness.h"

#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

#define SERVICE "shmgen-bench"
// iceoryx's largest subscriber queue (MAX_SUBSCRIBER_QUEUE_CAPACITY in the Debian build).
#define QUEUE_CAPACITY 256

struct end {
    iox_pub_storage_t publisher_storage;
    iox_sub_storage_t subscriber_storage;
    iox_ws_storage_t waitset_storage;
    iox_pub_t publisher;
    iox_sub_t subscriber;
    iox_ws_t waitset;
};

static int use_waitset(const char *wait) {
    if (strcmp(wait, "busy") == 0) return 0;
    if (strcmp(wait, "waitset") == 0) return 1;
    fprintf(stderr, "iceoryx_pubsub: WAIT must be busy or waitset, not '%s'\n", wait);
    exit(2);
}

static void start_runtime(const char *role) {
    char name[100];
    snprintf(name, sizeof name, "shmgen-bench-%s-%d", role, (int)getpid());
    iox_set_loglevel(Iceoryx_LogLevel_Warn);
    iox_runtime_init(name);
}

static void make_publisher(struct end *end, const char *instance, const char *event) {
    iox_pub_options_t options;
    iox_pub_options_init(&options);
    options.historyCapacity = 0;
    options.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
    end->publisher = iox_pub_init(&end->publisher_storage, SERVICE, instance, event, &options);
}

static void make_subscriber(struct end *end, const char *instance, const char *event, int waitset) {
    iox_sub_options_t options;
    iox_sub_options_init(&options);
    options.queueCapacity = QUEUE_CAPACITY;
    options.historyRequest = 0;
    options.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
    end->subscriber = iox_sub_init(&end->subscriber_storage, SERVICE, instance, event, &options);
    if (waitset) {
        end->waitset = iox_ws_init(&end->waitset_storage);
        if (iox_ws_attach_subscriber_state(end->waitset, end->subscriber, SubscriberState_HAS_DATA, 0, NULL) != WaitSetResult_SUCCESS)
            harness_die("iceoryx_pubsub: attaching the subscriber to the WaitSet failed");
    }
}

// Discovery is asynchronous (RouDi connects ports in its own loop): nothing is sent before both ends see each other.
static void wait_until_connected(const struct end *end) {
    int64_t deadline = now_ns() + INT64_C(30) * 1000000000;
    while ((end->publisher && !iox_pub_has_subscribers(end->publisher))
           || (end->subscriber && iox_sub_get_subscription_state(end->subscriber) != SubscribeState_SUBSCRIBED)) {
        if (now_ns() > deadline) harness_die("iceoryx_pubsub: publisher and subscriber did not connect within 30 s");
        usleep(1000);
    }
}

static inline void publish(struct end *end, const unsigned char *message, size_t size) {
    void *chunk;
    enum iox_AllocationResult result;
    while ((result = iox_pub_loan_chunk(end->publisher, &chunk, (uint32_t)size)) != AllocationResult_SUCCESS) {
        if (result != AllocationResult_RUNNING_OUT_OF_CHUNKS) {
            fprintf(stderr, "iceoryx_pubsub: iox_pub_loan_chunk failed (%d)\n", (int)result);
            exit(3);
        }
        cpu_relax();
    }
    memcpy(chunk, message, size);
    iox_pub_publish_chunk(end->publisher, chunk);
}

static inline void take(struct end *end, unsigned char *message, size_t size) {
    const void *chunk;
    enum iox_ChunkReceiveResult result;
    while ((result = iox_sub_take_chunk(end->subscriber, &chunk)) != ChunkReceiveResult_SUCCESS) {
        if (result != ChunkReceiveResult_NO_CHUNK_AVAILABLE) {
            fprintf(stderr, "iceoryx_pubsub: iox_sub_take_chunk failed (%d)\n", (int)result);
            exit(3);
        }
        if (end->waitset) {
            iox_notification_info_t notifications[1];
            uint64_t missed = 0;
            iox_ws_wait(end->waitset, notifications, 1, &missed);
        } else {
            cpu_relax();
        }
    }
    memcpy(message, chunk, size);
    iox_sub_release_chunk(end->subscriber, chunk);
}

static void close_end(struct end *end) {
    if (end->waitset) iox_ws_deinit(end->waitset);
    if (end->subscriber) iox_sub_deinit(end->subscriber);
    if (end->publisher) iox_pub_deinit(end->publisher);
    // No iox_runtime_shutdown(): it only releases publishers blocked on a full queue (none is, by now), and its request
    // to RouDi races the runtime's own deregistration at exit, which then waits for an answer that went to the other.
    free(end);
}

static struct end *new_end(void) {
    struct end *end = calloc(1, sizeof *end);
    if (!end) harness_die("calloc failed");
    return end;
}

// ipc: the parent publishes "ping" and subscribes to "pong", the child the other way round.

static void *open_ping_pong(const struct ipc_args *args, int is_parent) {
    const char *instance = args->extra[1];
    struct end *end = new_end();
    start_runtime(is_parent ? "ping" : "pong");
    make_publisher(end, instance, is_parent ? "ping" : "pong");
    make_subscriber(end, instance, is_parent ? "pong" : "ping", use_waitset(args->extra[0]));
    wait_until_connected(end);
    return end;
}

static void ping_pong_send(void *end, const unsigned char *message, size_t size) { publish(end, message, size); }

static void ping_pong_receive(void *end, unsigned char *message, size_t size) { take(end, message, size); }

static void close_ping_pong(void *end, int is_parent) {
    (void)is_parent;
    close_end(end);
}

// queue: a producer publishes on its pair's instance, the consumer of the same number subscribes to it.

static void *open_stream(const struct queue_args *args) {
    struct end *end = new_end();
    start_runtime(args->producer ? "producer" : "consumer");
    if (args->producer)
        make_publisher(end, args->argument, "items");
    else
        make_subscriber(end, args->argument, "items", use_waitset(args->extra[0]));
    wait_until_connected(end);
    return end;
}

static void stream_send(void *end, const unsigned char *item, size_t size) { publish(end, item, size); }

static void stream_receive(void *end, unsigned char *item, size_t size) { take(end, item, size); }

static void close_stream(void *opaque, const struct queue_args *args) {
    struct end *end = opaque;
    // The stop item must reach the subscriber before the publisher's port goes away with its queued chunks.
    if (args->producer) {
        int64_t deadline = now_ns() + INT64_C(30) * 1000000000;
        while (iox_pub_has_subscribers(end->publisher) && now_ns() < deadline) usleep(1000);
    }
    close_end(end);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "ipc") == 0) {
        struct ipc_args args = parse_ipc_args(argc, argv, "iceoryx_pubsub", 2);
        use_waitset(args.extra[0]);
        static const struct ping_pong peer = { open_ping_pong, ping_pong_send, ping_pong_receive, close_ping_pong };
        return run_ping_pong(&args, &peer);
    }
    if (argc >= 2 && strcmp(argv[1], "queue") == 0) {
        struct queue_args args = parse_queue_args(argc, argv, "iceoryx_pubsub", 1);
        use_waitset(args.extra[0]);
        static const struct stream peer = { open_stream, stream_send, stream_receive, close_stream };
        return run_queue_child(&args, &peer);
    }
    fprintf(stderr, "usage: iceoryx_pubsub ipc|queue ... (see the comment at the top of iceoryx_pubsub.c)\n");
    return 2;
}
