// The physical floor of the ipc table: two processes (fork) ping-pong one message through a MAP_SHARED mapping,
// spinning on a sequence word with acquire/release ordering and nothing else. Same workload as every other row: the
// sender writes all `size` bytes (sequence number in the first 8), the receiver copies all of them out and checks the
// sequence; the child echoes what it received.
//
// usage: c_spin SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH
// writes ITERATIONS round-trip times (int64 nanoseconds, CLOCK_MONOTONIC, native byte order) to SAMPLES_PATH.
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct slot {
    _Alignas(64) volatile uint64_t sequence;
    _Alignas(64) unsigned char data[4096];
};

struct channel {
    struct slot ping;
    struct slot pong;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void pin(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
}

static inline void send(struct slot *slot, const unsigned char *message, size_t size, uint64_t sequence) {
    memcpy(slot->data, message, size);
    __atomic_store_n(&slot->sequence, sequence, __ATOMIC_RELEASE);
}

static inline void receive(struct slot *slot, unsigned char *message, size_t size, uint64_t sequence) {
    while (__atomic_load_n(&slot->sequence, __ATOMIC_ACQUIRE) != sequence) cpu_relax();
    memcpy(message, slot->data, size);
    uint64_t got;
    memcpy(&got, message, sizeof got);
    if (got != sequence) {
        fprintf(stderr, "c_spin: expected message %llu, got %llu\n", (unsigned long long)sequence, (unsigned long long)got);
        exit(3);
    }
}

static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: c_spin SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH\n");
        return 2;
    }
    size_t size = strtoul(argv[1], NULL, 10);
    long warmup = strtol(argv[2], NULL, 10), iterations = strtol(argv[3], NULL, 10);
    int parent_cpu = atoi(argv[4]), child_cpu = atoi(argv[5]);
    if (size < 8 || size > 4096 || iterations <= 0 || warmup < 0) {
        fprintf(stderr, "c_spin: SIZE must be in [8, 4096] and ITERATIONS positive\n");
        return 2;
    }

    struct channel *channel = mmap(NULL, sizeof *channel, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (channel == MAP_FAILED) { perror("mmap"); return 1; }
    long total = warmup + iterations;
    unsigned char message[4096];

    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        pin(child_cpu);
        for (long i = 1; i <= total; i++) {
            receive(&channel->ping, message, size, (uint64_t)i);
            send(&channel->pong, message, size, (uint64_t)i);
        }
        _exit(0);
    }

    pin(parent_cpu);
    int64_t *samples = malloc(sizeof(int64_t) * (size_t)iterations);
    if (!samples) { perror("malloc"); return 1; }
    for (size_t b = 0; b < size; b++) message[b] = (unsigned char)(b * 31 + 7);
    for (long i = 1; i <= total; i++) {
        uint64_t sequence = (uint64_t)i;
        memcpy(message, &sequence, sizeof sequence);
        int64_t start = now_ns();
        send(&channel->ping, message, size, sequence);
        receive(&channel->pong, message, size, sequence);
        int64_t rtt = now_ns() - start;
        if (i > warmup) samples[i - warmup - 1] = rtt;
    }

    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "c_spin: child failed (status %d)\n", status);
        return 1;
    }

    FILE *out = fopen(argv[6], "wb");
    if (!out || fwrite(samples, sizeof(int64_t), (size_t)iterations, out) != (size_t)iterations || fclose(out) != 0) {
        perror("c_spin: writing samples");
        return 1;
    }
    return 0;
}
