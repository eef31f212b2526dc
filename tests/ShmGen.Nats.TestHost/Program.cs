// One host of the ShmGen.Nats bridge tests. Every mode prints progress lines the test reads; the queues live in this
// process's /dev/shm, which the test makes private to this host (unshare -m + a tmpfs).
//
//   topic-send    URL SUBJECT COUNT               publisher -> local [SharedTopic] -> TopicBridge -> subject
//   topic-receive URL SUBJECT COUNT               subject -> TopicBridge -> local [SharedTopic] -> subscriber checks order;
//                                                 prints "ready" first
//   queue-send    URL STREAM COUNT                producer -> local queue -> QueueBridge -> stream
//   queue-receive URL STREAM COUNT KILLS ACKWAIT  runs queue-bridge-in as a child, SIGKILLs and restarts it KILLS times,
//                                                 counts distinct and duplicate items
//   queue-bridge-in URL STREAM ACKWAIT            stream -> QueueBridge -> local queue, until killed
using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using ShmGen;
using ShmGen.Nats;
using ShmGen.Nats.TestHost;

var mode = args[0];
var url = args[1];
var name = args[2];
long Number(int index) => long.Parse(args[index], CultureInfo.InvariantCulture);

await using var nats = new NatsConnection(new NatsOpts
{
    Url = url,
    // The receiving side must not drop items when the local queue is briefly slower than the socket.
    SubPendingChannelFullMode = System.Threading.Channels.BoundedChannelFullMode.Wait,
    SubPendingChannelCapacity = 65536,
    MaxReconnectRetry = -1,
    ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
    ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
});
await nats.ConnectAsync();

switch (mode)
{
    case "topic-send":
        return await TopicSendAsync(Number(3));
    case "queue-send":
        return await SendAsync(Number(3), (source, stop) => QueueBridge.ForwardToStreamAsync(nats, source, new QueueBridgeOptions { Stream = name }, stop));
    case "topic-receive":
        return await TopicReceiveAsync(Number(3));
    case "queue-receive":
        return QueueReceive(Number(3), (int)Number(4), args[5]);
    case "queue-bridge-in":
        await QueueBridgeInAsync(TimeSpan.FromMilliseconds(Number(3)));
        return 0;
    default:
        Console.Error.WriteLine($"unknown mode {mode}");
        return 2;
}

// A producer fills the local queue with ids 1..count while the bridge empties it; the bridge is stopped once it has taken
// every item, and stopping it waits for what it took to be handed to NATS.
async Task<int> SendAsync(long count, Func<IItemSource, CancellationToken, Task> bridge)
{
    using var queue = BridgeItemQueue.Create();
    var producer = new Thread(() =>
    {
        for (long id = 1; id <= count; id++)
        {
            queue.Enqueue(BridgeItem.For(id));
        }
    });
    producer.Start();

    using var stop = new CancellationTokenSource();
    var source = new CountingSource(BridgeEndpoint.Source<BridgeItem>(BridgeItemQueue.LayoutDescription, queue.TryDequeue), count, stop);
    await bridge(source, stop.Token);
    producer.Join();
    queue.Unlink();
    await nats.PingAsync();
    Console.WriteLine($"sent {source.Taken}");
    return source.Taken == count ? 0 : 1;
}

// A publisher puts ids 1..count into the local topic as fast as it can; the bridge's subscriber (made first) forwards
// them, and the bridge stops after the last. It must have missed none: the topic holds more than count items.
async Task<int> TopicSendAsync(long count)
{
    using var topic = BridgeTickTopic.Create();
    using var subscriber = topic.Subscribe();
    var publisher = new Thread(() =>
    {
        for (long id = 1; id <= count; id++)
        {
            topic.Publish(BridgeTick.For(id));
        }
    });
    publisher.Start();

    using var stop = new CancellationTokenSource();
    var source = new CountingSource(BridgeEndpoint.Source<BridgeTick>(BridgeTickTopic.LayoutDescription, subscriber.TryReceive), count, stop);
    await TopicBridge.PublishToSubjectAsync(nats, source, new TopicBridgeOptions { Subject = name }, stop.Token);
    publisher.Join();
    topic.Unlink();
    await nats.PingAsync();
    Console.WriteLine($"sent {source.Taken} missed {subscriber.Missed}");
    return source.Taken == count && subscriber.Missed == 0 ? 0 : 1;
}

async Task<int> TopicReceiveAsync(long count)
{
    using var topic = BridgeTickTopic.Create();
    using var queue = topic.Subscribe();
    using var stop = new CancellationTokenSource();
    var sink = BridgeEndpoint.Sink<BridgeTick>(BridgeTickTopic.LayoutDescription, topic.Publish);
    var bridge = TopicBridge.DeliverFromSubjectAsync(
        nats, sink, new TopicBridgeOptions { Subject = name, Subscribed = () => Console.WriteLine("ready") }, stop.Token);

    long received = 0;
    var result = 0;
    while (received < count)
    {
        if (!queue.TryReceive(out var item, TimeSpan.FromSeconds(20)))
        {
            Console.WriteLine($"stalled after {received}");
            result = 1;
            break;
        }

        received++;
        if (item.Id != received || !item.IsIntact)
        {
            Console.WriteLine($"out of order: item {received} has id {item.Id} (intact: {item.IsIntact})");
            result = 1;
            break;
        }

        if (received % (count / 10) == 0)
        {
            Console.WriteLine($"progress {received}");
        }
    }

    await stop.CancelAsync();
    await bridge;
    topic.Unlink();
    Console.WriteLine($"received {received} in order, missed {queue.Missed}");
    return queue.Missed == 0 ? result : 1;
}

// The destination host: owns the queue, runs the bridge as a child process (sharing this /dev/shm), SIGKILLs it at
// evenly spaced points and starts a new one, and checks what arrives: every id once, none twice.
int QueueReceive(long count, int kills, string ackWaitMs)
{
    using var queue = BridgeItemQueue.Create();
    var seen = new bool[count + 1];
    long distinct = 0, duplicates = 0, torn = 0;
    var bridge = StartBridge();
    var killEvery = count / (kills + 1);
    var killsDone = 0;
    var settle = Stopwatch.StartNew();
    var settleFor = TimeSpan.FromMilliseconds(2 * long.Parse(ackWaitMs, CultureInfo.InvariantCulture) + 1500);
    var lastItem = Stopwatch.StartNew();
    while (distinct < count || settle.Elapsed < settleFor)
    {
        if (distinct == count && !settle.IsRunning)
        {
            settle.Restart();
        }

        if (!queue.TryDequeue(out var item, TimeSpan.FromMilliseconds(100)))
        {
            if (distinct < count && lastItem.Elapsed > TimeSpan.FromSeconds(45))
            {
                Console.WriteLine($"stalled at {distinct} of {count}");
                break;
            }

            continue;
        }

        lastItem.Restart();
        if (!item.IsIntact || item.Id < 1 || item.Id > count)
        {
            torn++;
            continue;
        }

        if (seen[item.Id])
        {
            duplicates++;
            continue;
        }

        seen[item.Id] = true;
        distinct++;
        if (distinct == count)
        {
            settle.Restart();
        }

        if (distinct % (count / 10) == 0)
        {
            Console.WriteLine($"progress {distinct}");
        }

        if (killsDone < kills && distinct >= killEvery * (killsDone + 1))
        {
            bridge.Kill(); // SIGKILL, mid-stream: whatever it had in hand is unacknowledged
            bridge.WaitForExit();
            bridge.Dispose();
            killsDone++;
            Console.WriteLine($"killed bridge {killsDone}");
            bridge = StartBridge();
        }

        if (distinct < count)
        {
            settle.Stop();
        }
    }

    bridge.Kill();
    bridge.WaitForExit();
    bridge.Dispose();
    queue.Unlink();
    Console.WriteLine($"distinct={distinct} duplicates={duplicates} torn={torn} kills={killsDone}");
    return distinct == count && duplicates == 0 && torn == 0 ? 0 : 1;

    Process StartBridge()
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        start.ArgumentList.Add(typeof(BridgeItem).Assembly.Location);
        foreach (var argument in new[] { "queue-bridge-in", url, name, ackWaitMs })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }
}

async Task QueueBridgeInAsync(TimeSpan ackWait)
{
    using var queue = BridgeItemQueue.Open();
    var sink = BridgeEndpoint.Sink<BridgeItem>(BridgeItemQueue.LayoutDescription, queue.TryEnqueue);
    await QueueBridge.DeliverFromStreamAsync(nats, sink, new QueueBridgeOptions { Stream = name, AckWait = ackWait }, CancellationToken.None);
}

/// <summary>Counts what the bridge takes and stops it after the last expected item.</summary>
internal sealed class CountingSource(IItemSource inner, long expected, CancellationTokenSource stop) : IItemSource
{
    public long Taken { get; private set; }

    public ItemLayout Layout => inner.Layout;

    public bool TryTake(Span<byte> destination, TimeSpan timeout)
    {
        if (Taken == expected || !inner.TryTake(destination, timeout))
        {
            return false;
        }

        if (++Taken == expected)
        {
            stop.Cancel();
        }

        return true;
    }
}
