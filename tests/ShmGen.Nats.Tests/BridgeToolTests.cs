using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using ShmGen.Nats.TestHost;

namespace ShmGen.Nats.Tests;

/// <summary><c>shmgen bridge queue|topic</c>, compiled without the item type, forwards a typed queue's or topic's items byte for byte.</summary>
public sealed class BridgeToolTests
{
    [Fact]
    public async Task Shmgen_bridge_queue_forwards_raw_items_that_a_typed_receiver_accepts()
    {
        const int count = 300;
        using var server = new NatsServer();
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        var sourceOptions = new SegmentOptions { Name = name + "-src" };
        var sinkOptions = new SegmentOptions { Name = name + "-dst" };
        Process? tool = null;
        var output = new ConcurrentQueue<string>();
        try
        {
            using var source = BridgeItemQueue.Create(sourceOptions);
            using var sink = BridgeItemQueue.Create(sinkOptions);
            for (var id = 1; id <= count; id++)
            {
                source.Enqueue(BridgeItem.For(id));
            }

            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { ToolPath(), "bridge", "queue", sourceOptions.Name!, "--nats", server.Url, "--stream", name })
            {
                start.ArgumentList.Add(argument);
            }

            tool = Process.Start(start)!;
            tool.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
            tool.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
            tool.BeginOutputReadLine();
            tool.BeginErrorReadLine();

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var receiving = Task.Run(() => QueueBridge.DeliverFromStreamAsync(
                nats, BridgeEndpoint.Sink<BridgeItem>(BridgeItemQueue.LayoutDescription, sink.TryEnqueue), new QueueBridgeOptions { Stream = name }, stop.Token));
            for (var id = 1; id <= count; id++)
            {
                Assert.True(sink.TryDequeue(out var item, TimeSpan.FromSeconds(30)), $"item {id} did not arrive; tool said:\n{string.Join("\n", output)}");
                Assert.Equal(BridgeItem.For(id), item);
            }

            await stop.CancelAsync();
            await receiving;

            // SIGTERM, as a service manager stops it: it finishes what it took and says so.
            Assert.Equal(0, Native.Kill(tool.Id, Native.SigTerm));
            Assert.True(tool.WaitForExit(20_000), string.Join("\n", output));
            tool.WaitForExit();
            Assert.Equal(0, tool.ExitCode);
            Assert.Contains(output, line => line.StartsWith($"bridging queue '/{sourceOptions.Name}' -> stream '{name}'", StringComparison.Ordinal) && line.Contains("16-byte items", StringComparison.Ordinal));
            Assert.Contains("stopped", output);
        }
        finally
        {
            if (tool is { HasExited: false })
            {
                tool.Kill();
            }

            tool?.Dispose();
            BridgeItemQueue.TryUnlink(sourceOptions);
            BridgeItemQueue.TryUnlink(sinkOptions);
            DeliveryLedgerSegment.TryUnlink(new SegmentOptions { Name = $"shmgen-bridge-{name}-shmgen-bridge" });
        }
    }

    [Fact]
    public async Task Shmgen_bridge_topic_forwards_a_topics_raw_items_into_a_typed_topic_elsewhere()
    {
        const int count = 300;
        using var server = new NatsServer();
        await using var nats = new NatsConnection(new NatsOpts { Url = server.Url });
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        var subject = $"shmgen.test.{name}";
        var sourceOptions = new SegmentOptions { Name = name + "-src" };
        var sinkOptions = new SegmentOptions { Name = name + "-dst" };
        Process? tool = null;
        var output = new ConcurrentQueue<string>();
        try
        {
            using var source = BridgeTickTopic.Create(sourceOptions);
            using var sink = BridgeTickTopic.Create(sinkOptions);
            using var reader = sink.Subscribe();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var receiving = Task.Run(() => TopicBridge.DeliverFromSubjectAsync(
                nats,
                BridgeEndpoint.Sink<BridgeTick>(BridgeTickTopic.LayoutDescription, sink.Publish),
                new TopicBridgeOptions { Subject = subject, Subscribed = subscribed.SetResult },
                stop.Token));
            await subscribed.Task.WaitAsync(stop.Token);

            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { ToolPath(), "bridge", "topic", sourceOptions.Name!, "--nats", server.Url, "--subject", subject })
            {
                start.ArgumentList.Add(argument);
            }

            tool = Process.Start(start)!;
            var bridging = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tool.OutputDataReceived += (_, e) =>
            {
                output.Enqueue(e.Data ?? "");
                if (e.Data?.StartsWith("bridging", StringComparison.Ordinal) == true)
                {
                    bridging.TrySetResult();
                }
            };
            tool.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
            tool.BeginOutputReadLine();
            tool.BeginErrorReadLine();

            // The tool subscribes to the local topic when it opens it, before it says it is bridging: publish after that.
            Assert.True(await Task.WhenAny(bridging.Task, Task.Delay(TimeSpan.FromSeconds(30))) == bridging.Task, $"the tool did not start bridging; it said:\n{string.Join("\n", output)}");
            for (var id = 1; id <= count; id++)
            {
                source.Publish(BridgeTick.For(id));
            }

            for (var id = 1; id <= count; id++)
            {
                Assert.True(reader.TryReceive(out var item, TimeSpan.FromSeconds(30)), $"item {id} did not arrive; tool said:\n{string.Join("\n", output)}");
                Assert.Equal(BridgeTick.For(id), item);
            }

            Assert.Equal(0, reader.Missed);
            await stop.CancelAsync();
            await receiving;
            Assert.Equal(0, Native.Kill(tool.Id, Native.SigTerm));
            Assert.True(tool.WaitForExit(20_000), string.Join("\n", output));
            tool.WaitForExit();
            Assert.Equal(0, tool.ExitCode);
            Assert.Contains(output, line => line.StartsWith($"bridging '/{sourceOptions.Name}' -> subject '{subject}'", StringComparison.Ordinal) && line.Contains("16-byte items", StringComparison.Ordinal));
        }
        finally
        {
            if (tool is { HasExited: false })
            {
                tool.Kill();
            }

            tool?.Dispose();
            BridgeTickTopic.TryUnlink(sourceOptions);
            BridgeTickTopic.TryUnlink(sinkOptions);
        }
    }

    private static string ToolPath() =>
        typeof(BridgeToolTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ShmGenTool").Value!;
}
