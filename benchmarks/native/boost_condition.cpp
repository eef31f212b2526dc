// The textbook blocking hand-off with Boost.Interprocess: per direction a slot in a MAP_SHARED mapping holding an
// interprocess_mutex, an interprocess_condition (process-shared pthread objects on Linux), a sequence number and the
// message. The sender locks, copies the SIZE bytes in, bumps the sequence, unlocks and notifies; the receiver locks,
// waits on the condition until the sequence moves, and copies the bytes out. No spinning: every wait sleeps in the
// kernel, which is what a wait/notify primitive built on mutex and condition variable costs.
//
// usage: boost_condition ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH
#include "harness.h"

#include <boost/interprocess/sync/interprocess_condition.hpp>
#include <boost/interprocess/sync/interprocess_mutex.hpp>
#include <boost/interprocess/sync/scoped_lock.hpp>

#include <new>

#include <sys/mman.h>

namespace bip = boost::interprocess;

namespace {

struct alignas(64) Slot {
    bip::interprocess_mutex mutex;
    bip::interprocess_condition changed;
    std::uint64_t sequence = 0;
    alignas(64) unsigned char data[HARNESS_MAX_MESSAGE];
};

struct Channel {
    Slot ping, pong;
};

struct End {
    Slot *output, *input;
    std::uint64_t sent = 0, received = 0;
};

Channel *shared_channel;

void *open_end(const ipc_args *, int is_parent) {
    auto end = new End();
    end->output = is_parent ? &shared_channel->ping : &shared_channel->pong;
    end->input = is_parent ? &shared_channel->pong : &shared_channel->ping;
    return end;
}

void send_message(void *opaque, const unsigned char *message, size_t size) {
    auto end = static_cast<End *>(opaque);
    {
        bip::scoped_lock<bip::interprocess_mutex> lock(end->output->mutex);
        std::memcpy(end->output->data, message, size);
        end->output->sequence = ++end->sent;
    }
    end->output->changed.notify_one();
}

void receive_message(void *opaque, unsigned char *message, size_t size) {
    auto end = static_cast<End *>(opaque);
    std::uint64_t expected = ++end->received;
    bip::scoped_lock<bip::interprocess_mutex> lock(end->input->mutex);
    end->input->changed.wait(lock, [&] { return end->input->sequence == expected; });
    std::memcpy(message, end->input->data, size);
}

void close_end(void *end, int) { delete static_cast<End *>(end); }

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2 || std::strcmp(argv[1], "ipc") != 0) {
        std::fprintf(stderr, "usage: boost_condition ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH\n");
        return 2;
    }
    ipc_args args = parse_ipc_args(argc, argv, "boost_condition", 0);
    void *memory = mmap(nullptr, sizeof(Channel), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) harness_die("mmap failed");
    shared_channel = new (memory) Channel();
    static const ping_pong peer = { open_end, send_message, receive_message, close_end };
    return run_ping_pong(&args, &peer);
}
