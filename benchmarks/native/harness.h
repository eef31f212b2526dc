// What every native program of the benchmark shares, so a peer differs from the others only in how it moves a message:
// the message bytes, the stamps and their checks, pinning and the clock are the same as the managed rows'
// (benchmarks/ShmGen.Benchmarks/Ipc/Message.cs, Throughput/ItemTally.cs), and so are the two drivers:
//
//   PROGRAM ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH [EXTRA...]
//       forks; the parent stamps message 1, 2, ... (the round-trip number in the first and the last 8 bytes), sends it
//       and times until the echo arrives; the child receives, checks and echoes every message. Writes ITERATIONS
//       round-trip times (int64 ns, CLOCK_MONOTONIC, native byte order) to SAMPLES_PATH.
//   PROGRAM queue ROLE SIZE ID PRODUCERS WARMUP ITEMS CPU ARGUMENT [EXTRA...]
//       one producer or consumer of the queue mode, speaking its protocol on stdin/stdout: "ready" once the channel is
//       open, wait for "go", then "result start=NS" (producer: after its warm-up items) or "result end=NS counts=...
//       sums=..." (consumer: per producer). The producer sends WARMUP + ITEMS stamped items, then a stop item (-1).
//       CLOCK_MONOTONIC nanoseconds are .NET's Stopwatch timestamps on Linux, which the runner checks.
//
// Works as C11 (gnu11) and C++17. Include it before any other header (it asks for the GNU extensions: CPU affinity).
#ifndef SHMGEN_BENCH_HARNESS_H
#define SHMGEN_BENCH_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HARNESS_MAX_MESSAGE 4096
#define HARNESS_MAX_PRODUCERS 64
#define HARNESS_STOP ((int64_t)-1)
#define HARNESS_SEQUENCE_BITS 40

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void harness_die(const char *what) {
    fprintf(stderr, "%s\n", what);
    exit(3);
}

static inline void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) harness_die("sched_setaffinity failed");
}

// The pattern of Message.Create: byte i is i * 31 + 7.
static inline void fill_message(unsigned char *message, size_t size) {
    for (size_t b = 0; b < size; b++) message[b] = (unsigned char)(b * 31 + 7);
}

// The stamp in the first and the last 8 bytes (one and the same 8 bytes when the message is 8 long).
static inline void stamp(unsigned char *message, size_t size, int64_t value) {
    memcpy(message, &value, sizeof value);
    memcpy(message + size - sizeof value, &value, sizeof value);
}

// The stamp of a received message; a head that differs from the tail is a torn or stale copy.
static inline int64_t read_stamp(const unsigned char *message, size_t size) {
    int64_t head, tail;
    memcpy(&head, message, sizeof head);
    memcpy(&tail, message + size - sizeof tail, sizeof tail);
    if (head != tail) {
        fprintf(stderr, "torn message: head %lld, tail %lld\n", (long long)head, (long long)tail);
        exit(3);
    }
    return head;
}

static inline long parse_number(const char *text, const char *what) {
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0') {
        fprintf(stderr, "%s: not a number: '%s'\n", what, text);
        exit(2);
    }
    return value;
}

// ---------------------------------------------------------------------------------------------------------------------
// ipc: the ping-pong driver.

struct ipc_args {
    size_t size;
    long warmup, iterations;
    int parent_cpu, child_cpu;
    const char *samples_path;
    int extra_count;
    char **extra;
};

// How a peer moves one message each way. open runs in each process after the fork (is_parent 1 or 0) and returns that
// end; send copies all `size` bytes of the message in, receive copies all of them out.
struct ping_pong {
    void *(*open)(const struct ipc_args *args, int is_parent);
    void (*send)(void *end, const unsigned char *message, size_t size);
    void (*receive)(void *end, unsigned char *message, size_t size);
    void (*close)(void *end, int is_parent);
};

static inline struct ipc_args parse_ipc_args(int argc, char **argv, const char *program, int minimum_extra) {
    // argv[1] is "ipc".
    if (argc < 8 + minimum_extra) {
        fprintf(stderr, "usage: %s ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH%s\n", program,
                minimum_extra > 0 ? " EXTRA..." : "");
        exit(2);
    }
    struct ipc_args args;
    args.size = (size_t)parse_number(argv[2], "SIZE");
    args.warmup = parse_number(argv[3], "WARMUP");
    args.iterations = parse_number(argv[4], "ITERATIONS");
    args.parent_cpu = (int)parse_number(argv[5], "PARENT_CPU");
    args.child_cpu = (int)parse_number(argv[6], "CHILD_CPU");
    args.samples_path = argv[7];
    args.extra_count = argc - 8;
    args.extra = argv + 8;
    if (args.size < 8 || args.size > HARNESS_MAX_MESSAGE || args.iterations <= 0 || args.warmup < 0) {
        fprintf(stderr, "%s: SIZE must be in [8, %d], ITERATIONS positive, WARMUP not negative\n", program, HARNESS_MAX_MESSAGE);
        exit(2);
    }
    return args;
}

static inline void check_echo(const unsigned char *message, size_t size, long expected) {
    int64_t got = read_stamp(message, size);
    if (got != expected) {
        fprintf(stderr, "expected message %ld, got %lld\n", expected, (long long)got);
        exit(3);
    }
}

static inline int run_ping_pong(const struct ipc_args *args, const struct ping_pong *peer) {
    long total = args->warmup + args->iterations;
    static unsigned char message[HARNESS_MAX_MESSAGE];
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) harness_die("fork failed");
    if (child == 0) {
        pin(args->child_cpu);
        void *end = peer->open(args, 0);
        for (long i = 1; i <= total; i++) {
            peer->receive(end, message, args->size);
            check_echo(message, args->size, i);
            peer->send(end, message, args->size);
        }
        peer->close(end, 0);
        // exit, not _exit: a peer's library may deregister in its static destructors (iceoryx's runtime does).
        exit(0);
    }

    pin(args->parent_cpu);
    void *end = peer->open(args, 1);
    int64_t *samples = (int64_t *)malloc(sizeof(int64_t) * (size_t)args->iterations);
    if (!samples) harness_die("malloc failed");
    fill_message(message, args->size);
    for (long i = 1; i <= total; i++) {
        stamp(message, args->size, i);
        int64_t start = now_ns();
        peer->send(end, message, args->size);
        peer->receive(end, message, args->size);
        int64_t rtt = now_ns() - start;
        check_echo(message, args->size, i);
        if (i > args->warmup) samples[i - args->warmup - 1] = rtt;
    }

    int status = 0;
    waitpid(child, &status, 0);
    peer->close(end, 1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "the child failed (status %d)\n", status);
        return 1;
    }

    FILE *out = fopen(args->samples_path, "wb");
    if (!out || fwrite(samples, sizeof(int64_t), (size_t)args->iterations, out) != (size_t)args->iterations || fclose(out) != 0) {
        perror("writing samples");
        return 1;
    }
    free(samples);
    return 0;
}

// ---------------------------------------------------------------------------------------------------------------------
// queue: one producer or consumer.

struct queue_args {
    int producer;   // 1 for the producer role, 0 for the consumer
    size_t size;
    int id, producers;
    long warmup, items;
    int cpu;
    const char *argument;
    int extra_count;
    char **extra;
};

// How a peer moves items: open runs once the process is pinned and returns its end (and waits, if the peer needs to,
// until the other side is connected, so nothing is sent into the void); send copies all `size` bytes in, receive
// copies all of them out and blocks (or spins) until an item arrives.
struct stream {
    void *(*open)(const struct queue_args *args);
    void (*send)(void *end, const unsigned char *item, size_t size);
    void (*receive)(void *end, unsigned char *item, size_t size);
    void (*close)(void *end, const struct queue_args *args);
};

static inline struct queue_args parse_queue_args(int argc, char **argv, const char *program, int minimum_extra) {
    // argv[1] is "queue".
    if (argc < 10 + minimum_extra) {
        fprintf(stderr, "usage: %s queue producer|consumer SIZE ID PRODUCERS WARMUP ITEMS CPU ARGUMENT%s\n", program,
                minimum_extra > 0 ? " EXTRA..." : "");
        exit(2);
    }
    struct queue_args args;
    if (strcmp(argv[2], "producer") != 0 && strcmp(argv[2], "consumer") != 0) {
        fprintf(stderr, "%s: ROLE must be producer or consumer\n", program);
        exit(2);
    }
    args.producer = strcmp(argv[2], "producer") == 0;
    args.size = (size_t)parse_number(argv[3], "SIZE");
    args.id = (int)parse_number(argv[4], "ID");
    args.producers = (int)parse_number(argv[5], "PRODUCERS");
    args.warmup = parse_number(argv[6], "WARMUP");
    args.items = parse_number(argv[7], "ITEMS");
    args.cpu = (int)parse_number(argv[8], "CPU");
    args.argument = argv[9];
    args.extra_count = argc - 10;
    args.extra = argv + 10;
    if (args.size < 8 || args.size > HARNESS_MAX_MESSAGE || args.producers < 1 || args.producers > HARNESS_MAX_PRODUCERS
        || args.id < 0 || args.items <= 0 || args.warmup < 0) {
        fprintf(stderr, "%s: SIZE must be in [8, %d], PRODUCERS in [1, %d], ITEMS positive\n", program, HARNESS_MAX_MESSAGE,
                HARNESS_MAX_PRODUCERS);
        exit(2);
    }
    return args;
}

static inline void queue_ready(void) {
    char line[16];
    printf("ready\n");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin) || strcmp(line, "go\n") != 0) harness_die("the parent went away before the start");
}

static inline int64_t stamp_of(int producer, long sequence) {
    return ((int64_t)producer << HARNESS_SEQUENCE_BITS) | (int64_t)sequence;
}

static inline int run_queue_child(const struct queue_args *args, const struct stream *peer) {
    pin(args->cpu);
    void *end = peer->open(args);
    static unsigned char item[HARNESS_MAX_MESSAGE];
    if (args->producer) {
        fill_message(item, args->size);
        queue_ready();
        long sequence = 0;
        for (; sequence < args->warmup; sequence++) {
            stamp(item, args->size, stamp_of(args->id, sequence));
            peer->send(end, item, args->size);
        }
        int64_t start = now_ns();
        for (; sequence < args->warmup + args->items; sequence++) {
            stamp(item, args->size, stamp_of(args->id, sequence));
            peer->send(end, item, args->size);
        }
        stamp(item, args->size, HARNESS_STOP);
        peer->send(end, item, args->size);
        peer->close(end, args);
        printf("result start=%lld\n", (long long)start);
        fflush(stdout);
        return 0;
    }

    // The consumer: ItemTally's checks. Per producer the count, the sum of the sequence numbers and increasing order.
    int64_t counts[HARNESS_MAX_PRODUCERS] = {0}, sums[HARNESS_MAX_PRODUCERS] = {0}, last[HARNESS_MAX_PRODUCERS];
    for (int p = 0; p < HARNESS_MAX_PRODUCERS; p++) last[p] = -1;
    queue_ready();
    for (;;) {
        peer->receive(end, item, args->size);
        int64_t value = read_stamp(item, args->size);
        if (value == HARNESS_STOP) break;
        int64_t producer = value >> HARNESS_SEQUENCE_BITS;
        int64_t sequence = value & ((INT64_C(1) << HARNESS_SEQUENCE_BITS) - 1);
        if (producer < 0 || producer >= args->producers) {
            fprintf(stderr, "item %lld: no producer %lld\n", (long long)value, (long long)producer);
            return 3;
        }
        if (sequence <= last[producer]) {
            fprintf(stderr, "producer %lld's item %lld arrived after its item %lld\n", (long long)producer, (long long)sequence,
                    (long long)last[producer]);
            return 3;
        }
        last[producer] = sequence;
        counts[producer]++;
        sums[producer] += sequence;
    }
    int64_t end_time = now_ns();
    peer->close(end, args);
    printf("result end=%lld counts=", (long long)end_time);
    for (int p = 0; p < args->producers; p++) printf("%s%lld", p ? "," : "", (long long)counts[p]);
    printf(" sums=");
    for (int p = 0; p < args->producers; p++) printf("%s%lld", p ? "," : "", (long long)sums[p]);
    printf("\n");
    fflush(stdout);
    return 0;
}

#endif
