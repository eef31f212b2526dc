// The Boost.Interprocess peer: boost::interprocess::message_queue, a bounded queue of fixed-size messages in a named
// shared-memory object (/dev/shm/NAME), guarded by an interprocess_mutex with interprocess_conditions for "not empty"
// and "not full" (process-shared pthread objects on Linux). send() copies the SIZE bytes in, receive() copies them out:
// the same work as every other row. Any number of senders and receivers may share one queue.
//
// usage: boost_message_queue ipc SIZE WARMUP ITERATIONS PARENT_CPU CHILD_CPU SAMPLES_PATH NAME CAPACITY
//            two queues, NAME-ping and NAME-pong, created by the parent before the fork and removed after
//        boost_message_queue queue ROLE SIZE ID PRODUCERS WARMUP ITEMS CPU NAME CAPACITY
//            one queue shared by every producer and consumer of the row, opened or created by whoever comes first;
//            the benchmark removes /dev/shm/NAME afterwards
#include "harness.h"

#include <boost/interprocess/ipc/message_queue.hpp>

#include <memory>
#include <string>

namespace bip = boost::interprocess;

namespace {

struct End {
    std::unique_ptr<bip::message_queue> output, input;
};

std::string ping_name, pong_name;
std::size_t capacity;

std::size_t parse_capacity(const char *text) {
    long value = parse_number(text, "CAPACITY");
    if (value < 1) {
        std::fprintf(stderr, "boost_message_queue: CAPACITY must be positive\n");
        std::exit(2);
    }
    return static_cast<std::size_t>(value);
}

void send_message(void *end, const unsigned char *message, size_t size) {
    static_cast<End *>(end)->output->send(message, size, 0);
}

void receive_message(void *end, unsigned char *message, size_t size) {
    bip::message_queue::size_type received;
    unsigned int priority;
    static_cast<End *>(end)->input->receive(message, size, received, priority);
    if (received != size) harness_die("boost_message_queue: a message of the wrong size");
}

void *open_ping_pong(const ipc_args *, int is_parent) {
    auto end = new End();
    end->output = std::make_unique<bip::message_queue>(bip::open_only, (is_parent ? ping_name : pong_name).c_str());
    end->input = std::make_unique<bip::message_queue>(bip::open_only, (is_parent ? pong_name : ping_name).c_str());
    return end;
}

void close_ping_pong(void *end, int is_parent) {
    delete static_cast<End *>(end);
    if (is_parent) {
        bip::message_queue::remove(ping_name.c_str());
        bip::message_queue::remove(pong_name.c_str());
    }
}

void *open_stream(const queue_args *args) {
    auto end = new End();
    auto queue = std::make_unique<bip::message_queue>(bip::open_or_create, args->argument, capacity, args->size);
    if (queue->get_max_msg_size() != args->size || queue->get_max_msg() != capacity)
        harness_die("boost_message_queue: the queue exists with another message size or capacity");
    (args->producer ? end->output : end->input) = std::move(queue);
    return end;
}

void close_stream(void *end, const queue_args *) { delete static_cast<End *>(end); }

int run(int argc, char **argv) {
    if (argc >= 2 && std::strcmp(argv[1], "ipc") == 0) {
        ipc_args args = parse_ipc_args(argc, argv, "boost_message_queue", 2);
        ping_name = std::string(args.extra[0]) + "-ping";
        pong_name = std::string(args.extra[0]) + "-pong";
        capacity = parse_capacity(args.extra[1]);
        // Created before the fork so that both processes find them; each process maps them for itself in open.
        bip::message_queue(bip::create_only, ping_name.c_str(), capacity, args.size);
        bip::message_queue(bip::create_only, pong_name.c_str(), capacity, args.size);
        static const ping_pong peer = { open_ping_pong, send_message, receive_message, close_ping_pong };
        return run_ping_pong(&args, &peer);
    }
    if (argc >= 2 && std::strcmp(argv[1], "queue") == 0) {
        queue_args args = parse_queue_args(argc, argv, "boost_message_queue", 1);
        capacity = parse_capacity(args.extra[0]);
        static const stream peer = { open_stream, send_message, receive_message, close_stream };
        return run_queue_child(&args, &peer);
    }
    std::fprintf(stderr, "usage: boost_message_queue ipc|queue ... (see the comment at the top of boost_message_queue.cpp)\n");
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const bip::interprocess_exception &e) {
        std::fprintf(stderr, "boost_message_queue: %s\n", e.what());
        return 1;
    }
}
