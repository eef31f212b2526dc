using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;
using ShmGen.Benchmarks.Queues;
using ShmGen.Nats;
using ShmGen.Nats.Tests;

namespace ShmGen.Benchmarks.Nats;

/// <summary>
/// 64-byte items through the ShmGen.Nats bridges beside NATS.Net carrying the same 64 bytes itself, in one run against
/// one nats-server this benchmark starts (loopback, JetStream in a temporary directory):
/// <list type="bullet">
/// <item><c>nats-core</c>: PublishAsync of the 64 bytes, a core subscription receiving them.</item>
/// <item><c>topic-bridge</c>: a local queue -> TopicBridge -> the same subject -> TopicBridge -> a local queue.</item>
/// <item><c>nats-jetstream</c>: JetStream PublishAsync of the 64 bytes (the same 256 publishes in flight), a durable
/// pull consumer acknowledging each.</item>
/// <item><c>queue-bridge</c>: a local queue -> QueueBridge -> a work-queue stream -> QueueBridge -> a local queue.</item>
/// </list>
/// Throughput: items/s from the first send to the last receipt, the sender running flat out (the median of the rounds);
/// CPU per item: the CPU time this process and nats-server used in that round (user + system, all threads), over the
/// items, so a row's cost shows apart from how the two vCPUs were shared. Latency: one item at a
/// time (the next is sent when the last arrived), send to receipt, both ends in this process (one clock).
/// </summary>
internal static class NatsRunner
{
    private const int ItemSize = 64;

    public static async Task<int> RunAsync(int items, int samples, int rounds, string? json)
    {
        using var server = new NatsServer();
        var opts = new NatsOpts
        {
            Url = server.Url,
            SubPendingChannelFullMode = BoundedChannelFullMode.Wait,
            SubPendingChannelCapacity = 65536,
        };
        await using var sending = new NatsConnection(opts);
        await using var receiving = new NatsConnection(opts);
        await sending.ConnectAsync();
        await receiving.ConnectAsync();

        // Every mechanism stays set up for the whole run and the rounds interleave them, so that the load of a shared
        // machine falls on all of them alike; a row is the median round's rate and the pooled latency samples.
        IMechanism[] mechanisms = [new CoreMechanism(), new TopicBridgeMechanism(), new JetStreamMechanism(), new QueueBridgeMechanism()];
        var rates = mechanisms.ToDictionary(m => m, _ => new List<double>());
        var cpuPerItem = mechanisms.ToDictionary(m => m, _ => new List<double>());
        var latencies = mechanisms.ToDictionary(m => m, _ => new List<double>());
        foreach (var mechanism in mechanisms)
        {
            await mechanism.SetUpAsync(sending, receiving);
            await Throughput(server, mechanism, Math.Min(items, 20_000)); // JIT, stream and consumer warm-up
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var mechanism in mechanisms)
            {
                var (rate, cpu) = await Throughput(server, mechanism, items);
                rates[mechanism].Add(rate);
                cpuPerItem[mechanism].Add(cpu);
                latencies[mechanism].AddRange(await Latencies(mechanism, samples / rounds));
            }

            Console.Error.WriteLine($"round {round + 1} of {rounds}: " + string.Join(", ", mechanisms.Select(m => $"{m.Name} {rates[m][^1]:N0}/s")));
        }

        foreach (var mechanism in mechanisms)
        {
            await mechanism.TearDownAsync();
        }

        var results = mechanisms
            .Select(m => new Row(m.Name, items, Median(rates[m]), Median(cpuPerItem[m]), Percentile(latencies[m], 0.50), Percentile(latencies[m], 0.99)))
            .ToList();

        Console.WriteLine($"| mechanism | items/s | vs NATS | CPU per item | vs NATS | p50 latency | p99 latency |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in results)
        {
            var baseline = results.First(r => r.Mechanism == (row.Mechanism is "topic-bridge" or "nats-core" ? "nats-core" : "nats-jetstream"));
            Console.WriteLine(
                $"| {row.Mechanism} | {row.ItemsPerSecond:N0} | {row.ItemsPerSecond / baseline.ItemsPerSecond:P0} | {row.CpuMicrosecondsPerItem:N2} us | {row.CpuMicrosecondsPerItem / baseline.CpuMicrosecondsPerItem:P0} | {row.P50Microseconds:N0} us | {row.P99Microseconds:N0} us |");
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(results));
        }

        return 0;
    }

    private static async Task<(double ItemsPerSecond, double CpuMicrosecondsPerItem)> Throughput(NatsServer server, IMechanism mechanism, int items)
    {
        var cpuBefore = Cpu(server);
        var stopwatch = Stopwatch.StartNew();
        var receiver = Task.Run(() => mechanism.ReceiveAsync(items));
        await mechanism.SendAsync(items);
        await receiver;
        var elapsed = stopwatch.Elapsed;
        return (items / elapsed.TotalSeconds, (Cpu(server) - cpuBefore).TotalMicroseconds / items);
    }

    private static TimeSpan Cpu(NatsServer server)
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime + server.ProcessorTime;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<double[]> Latencies(IMechanism mechanism, int samples)
    {
        var latencies = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var receiver = Task.Run(() => mechanism.ReceiveAsync(1));
            var start = Stopwatch.GetTimestamp();
            await mechanism.SendAsync(1);
            await receiver;
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        return latencies;
    }

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(fraction * sorted.Length))];
    }

    private sealed record Row(string Mechanism, int Items, double ItemsPerSecond, double CpuMicrosecondsPerItem, double P50Microseconds, double P99Microseconds);

    private interface IMechanism
    {
        string Name { get; }

        Task SetUpAsync(NatsConnection sending, NatsConnection receiving);

        Task SendAsync(int items);

        Task ReceiveAsync(int items);

        Task TearDownAsync();
    }

    private sealed class CoreMechanism : IMechanism
    {
        private readonly byte[] _payload = new byte[ItemSize];
        private readonly string _subject = $"shmgen.bench.core.{Guid.NewGuid():N}";
        private NatsConnection _sending = null!;
        private INatsSub<byte[]> _subscription = null!;

        public string Name => "nats-core";

        public async Task SetUpAsync(NatsConnection sending, NatsConnection receiving)
        {
            _sending = sending;
            _subscription = await receiving.SubscribeCoreAsync<byte[]>(_subject);
            await receiving.PingAsync();
        }

        public async Task SendAsync(int items)
        {
            for (var i = 0; i < items; i++)
            {
                await _sending.PublishAsync(_subject, _payload);
            }
        }

        public async Task ReceiveAsync(int items)
        {
            for (var i = 0; i < items; i++)
            {
                _ = await _subscription.Msgs.ReadAsync();
            }
        }

        public async Task TearDownAsync() => await _subscription.DisposeAsync();
    }

    private sealed class JetStreamMechanism : IMechanism
    {
        private readonly byte[] _payload = new byte[ItemSize];
        private readonly string _stream = $"shmgen-bench-js-{Guid.NewGuid():N}";
        private INatsJSContext _js = null!;
        private IAsyncEnumerator<INatsJSMsg<byte[]>> _messages = null!;
        private CancellationTokenSource _stop = null!;

        public string Name => "nats-jetstream";

        public async Task SetUpAsync(NatsConnection sending, NatsConnection receiving)
        {
            _js = sending.CreateJetStreamContext();
            await _js.CreateOrUpdateStreamAsync(new StreamConfig(_stream, [_stream]) { Retention = StreamConfigRetention.Workqueue, Storage = StreamConfigStorage.File });
            var consumer = await receiving.CreateJetStreamContext().CreateOrUpdateConsumerAsync(
                _stream, new ConsumerConfig("bench") { AckPolicy = ConsumerConfigAckPolicy.Explicit, MaxAckPending = 256 });
            _stop = new CancellationTokenSource();
            _messages = consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 256 }, cancellationToken: _stop.Token).GetAsyncEnumerator();
        }

        public async Task SendAsync(int items)
        {
            // The bridge's publishing discipline: up to 256 publishes in flight, each with a message id.
            var inFlight = new Queue<Task<PubAckResponse>>();
            for (var i = 0; i < items; i++)
            {
                inFlight.Enqueue(_js.PublishAsync(_stream, _payload, opts: new NatsJSPubOpts { MsgId = Guid.NewGuid().ToString("N") }).AsTask());
                if (inFlight.Count >= 256)
                {
                    (await inFlight.Dequeue()).EnsureSuccess();
                }
            }

            while (inFlight.Count > 0)
            {
                (await inFlight.Dequeue()).EnsureSuccess();
            }
        }

        public async Task ReceiveAsync(int items)
        {
            for (var i = 0; i < items; i++)
            {
                if (!await _messages.MoveNextAsync())
                {
                    throw new InvalidOperationException("the consumer ended");
                }

                await _messages.Current.AckAsync();
            }
        }

        public async Task TearDownAsync()
        {
            await _stop.CancelAsync();
            _stop.Dispose();
        }
    }

    /// <summary>Both bridges of one kind running for the whole row, between two local queues.</summary>
    private abstract class BridgeMechanism : IMechanism
    {
        private readonly SegmentOptions _sourceOptions = new() { Name = $"shmgen-bench-nats-{Guid.NewGuid():N}-src" };
        private readonly SegmentOptions _sinkOptions = new() { Name = $"shmgen-bench-nats-{Guid.NewGuid():N}-dst" };
        private BenchItem64Queue _source = null!;
        private BenchItem64Queue _sink = null!;
        private CancellationTokenSource _stop = null!;
        private Task _bridges = Task.CompletedTask;

        public abstract string Name { get; }

        protected string Id { get; } = Guid.NewGuid().ToString("N");

        public async Task SetUpAsync(NatsConnection sending, NatsConnection receiving)
        {
            _source = BenchItem64Queue.Create(_sourceOptions);
            _sink = BenchItem64Queue.Create(_sinkOptions);
            _stop = new CancellationTokenSource();
            var from = BridgeEndpoint.Source<BenchItem64>(BenchItem64Queue.LayoutDescription, _source.TryDequeue);
            var to = BridgeEndpoint.Sink<BenchItem64>(BenchItem64Queue.LayoutDescription, _sink.TryEnqueue);
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _bridges = Start(sending, receiving, from, to, ready, _stop.Token);
            await ready.Task;
        }

        public Task SendAsync(int items)
        {
            var item = default(BenchItem64);
            for (var i = 0; i < items; i++)
            {
                item.Head = item.Tail = i;
                _source.Enqueue(in item);
            }

            return Task.CompletedTask;
        }

        public Task ReceiveAsync(int items)
        {
            for (var i = 0; i < items; i++)
            {
                _ = _sink.Dequeue();
            }

            return Task.CompletedTask;
        }

        public async Task TearDownAsync()
        {
            await _stop.CancelAsync();
            await _bridges;
            _stop.Dispose();
            _source.Unlink();
            _sink.Unlink();
            _source.Dispose();
            _sink.Dispose();
            Cleanup();
        }

        protected abstract Task Start(NatsConnection sending, NatsConnection receiving, IItemSource from, IItemSink to, TaskCompletionSource ready, CancellationToken stop);

        protected virtual void Cleanup()
        {
        }
    }

    private sealed class TopicBridgeMechanism : BridgeMechanism
    {
        public override string Name => "topic-bridge";

        protected override Task Start(NatsConnection sending, NatsConnection receiving, IItemSource from, IItemSink to, TaskCompletionSource ready, CancellationToken stop)
        {
            var subject = $"shmgen.bench.topic.{Id}";
            var receive = Task.Run(() => TopicBridge.DeliverFromSubjectAsync(receiving, to, new TopicBridgeOptions { Subject = subject, Subscribed = ready.SetResult }, stop));
            var send = Task.Run(() => TopicBridge.PublishToSubjectAsync(sending, from, new TopicBridgeOptions { Subject = subject }, stop));
            return Task.WhenAll(receive, send);
        }
    }

    private sealed class QueueBridgeMechanism : BridgeMechanism
    {
        public override string Name => "queue-bridge";

        private string Stream => $"shmgen-bench-qb-{Id}";

        protected override Task Start(NatsConnection sending, NatsConnection receiving, IItemSource from, IItemSink to, TaskCompletionSource ready, CancellationToken stop)
        {
            var options = new QueueBridgeOptions { Stream = Stream };
            var receive = Task.Run(() => QueueBridge.DeliverFromStreamAsync(receiving, to, options, stop));
            var send = Task.Run(() => QueueBridge.ForwardToStreamAsync(sending, from, options, stop));
            ready.SetResult();
            return Task.WhenAll(receive, send);
        }

        protected override void Cleanup() => BenchItem64Queue.TryUnlink(new SegmentOptions { Name = $"shmgen-bridge-{Stream}-shmgen-bridge" });
    }
}
