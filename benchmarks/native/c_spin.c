// The physical floor of the ipc table: two processes (fork) ping-pong one message through a MAP_SHARED mapping,
// spinning on a sequence word with acquire/release ordering and nothing else. The sender copies the message in and
// publishes the sequence; the receiver spins until it sees it and copies the message out (harness.h checks the stamps).
//
// usage: c_spin ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH
#include "harness.h"

#include <sys/mman.h>

struct slot {
    _Alignas(64) uint64_t sequence;
    _Alignas(64) unsigned char data[HARNESS_MAX_MESSAGE];
};

struct channel {
    struct slot ping;
    struct slot pong;
};

struct end {
    struct slot *output, *input;
    uint64_t sent, received;
};

static struct channel *shared_channel;

static void *open_end(const struct ipc_args *args, int is_parent) {
    (void)args;
    struct end *end = calloc(1, sizeof *end);
    if (!end) harness_die("calloc failed");
    end->output = is_parent ? &shared_channel->ping : &shared_channel->pong;
    end->input = is_parent ? &shared_channel->pong : &shared_channel->ping;
    return end;
}

static void send_message(void *opaque, const unsigned char *message, size_t size) {
    struct end *end = opaque;
    memcpy(end->output->data, message, size);
    __atomic_store_n(&end->output->sequence, ++end->sent, __ATOMIC_RELEASE);
}

static void receive_message(void *opaque, unsigned char *message, size_t size) {
    struct end *end = opaque;
    uint64_t expected = ++end->received;
    while (__atomic_load_n(&end->input->sequence, __ATOMIC_ACQUIRE) != expected) cpu_relax();
    memcpy(message, end->input->data, size);
}

static void close_end(void *end, int is_parent) {
    (void)is_parent;
    free(end);
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "ipc") != 0) {
        fprintf(stderr, "usage: c_spin ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH\n");
        return 2;
    }
    struct ipc_args args = parse_ipc_args(argc, argv, "c_spin", 0);
    shared_channel = mmap(NULL, sizeof *shared_channel, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared_channel == MAP_FAILED) harness_die("mmap failed");
    static const struct ping_pong peer = { open_end, send_message, receive_message, close_end };
    return run_ping_pong(&args, &peer);
}
