using System;
using System.Globalization;
using System.Linq;

// Every test here starts a nats-server and two or three .NET processes; on two shared cores they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ShmGen.Nats.Tests;

/// <summary>
/// The bridges between two "hosts": processes with private /dev/shm (see <see cref="Host"/>), so every item travels
/// through the nats-server the test started.
/// </summary>
public sealed class CrossHostTests
{
    private static readonly TimeSpan s_long = TimeSpan.FromSeconds(120);

    [Fact]
    public void A_million_topic_items_arrive_in_order()
    {
        const int count = 1_000_000;
        using var server = new NatsServer();
        var subject = $"shmgen.test.{Guid.NewGuid():N}";
        using var receiver = Host.Start("topic-receive", server.Url, subject, Invariant(count));
        receiver.WaitFor(line => line == "ready", TimeSpan.FromSeconds(30));
        using var sender = Host.Start("topic-send", server.Url, subject, Invariant(count));

        Assert.True(sender.WaitForExit(s_long) == 0, sender.Transcript);
        Assert.True(receiver.WaitForExit(s_long) == 0, receiver.Transcript);
        Assert.Contains($"received {count} in order, missed 0", receiver.Lines);
    }

    [Fact]
    public void Queue_items_arrive_exactly_once_across_a_bridge_killed_and_restarted()
    {
        const int count = 10_000;
        const int kills = 3;
        using var server = new NatsServer();
        var stream = $"shmgen-test-{Guid.NewGuid():N}";

        // The destination host SIGKILLs its bridge at three evenly spaced points and starts a new one each time; an ack
        // wait of 2 s brings the killed bridge's unacknowledged messages back quickly.
        using var receiver = Host.Start("queue-receive", server.Url, stream, Invariant(count), Invariant(kills), "2000");
        using var sender = Host.Start("queue-send", server.Url, stream, Invariant(count));

        Assert.True(sender.WaitForExit(s_long) == 0, sender.Transcript);
        Assert.True(receiver.WaitForExit(s_long) == 0, receiver.Transcript);
        Assert.Contains($"distinct={count} duplicates=0 torn=0 kills={kills}", receiver.Lines);
    }

    [Fact]
    public void The_server_restarted_mid_stream_loses_no_queue_item()
    {
        const int count = 10_000;
        using var server = new NatsServer();
        var stream = $"shmgen-test-{Guid.NewGuid():N}";
        using var receiver = Host.Start("queue-receive", server.Url, stream, Invariant(count), "0", "2000");
        using var sender = Host.Start("queue-send", server.Url, stream, Invariant(count));

        // A third of the way through, both bridges lose the server for a second; they reconnect on their own.
        receiver.WaitFor(line => line.StartsWith("progress ", StringComparison.Ordinal) && long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture) >= count / 3, s_long);
        server.Restart(TimeSpan.FromSeconds(1));

        Assert.True(sender.WaitForExit(s_long) == 0, sender.Transcript);
        Assert.True(receiver.WaitForExit(s_long) == 0, receiver.Transcript);
        Assert.Contains($"distinct={count} duplicates=0 torn=0 kills=0", receiver.Lines);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
