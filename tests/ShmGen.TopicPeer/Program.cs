// The child program of the topic tests: one role per process, chosen by the first argument, settings as key=value.
//   publish    topic= [small=1] publisher= count=          publish count items, print "done"
//   subscribe  topic= [small=1] publishers= count= [pause=MS every=N] [strict=1]
//                                                          print "subscribed", receive until every publisher's last item
//                                                          arrived; check checksums and per-publisher order; print
//                                                          "ok received=R missed=M" (strict: no gaps allowed)
//   scribble   topic= seconds=                             write random bytes over the topic's payload (a hostile peer)
//   loan-hang  queue= publisher= sequence=                 BeginEnqueue, write the item, print "claimed", sleep (to be killed)
//   loan-produce queue= publisher= count=                  enqueue count items through BeginEnqueue/Commit
//   batch-produce queue= publisher= count= batch=          enqueue count items with EnqueueRange in batches
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Threading;
using ShmGen;
using ShmGen.TopicPeer;

var settings = new Dictionary<string, string>(StringComparer.Ordinal);
foreach (var argument in args[1..])
{
    var equals = argument.IndexOf('=', StringComparison.Ordinal);
    settings[argument[..equals]] = argument[(equals + 1)..];
}

long Long(string key) => long.Parse(settings[key], CultureInfo.InvariantCulture);
bool Flag(string key) => settings.TryGetValue(key, out var v) && v == "1";
SegmentOptions Options(string key) => new() { Name = settings[key] };

switch (args[0])
{
    case "publish":
    {
        var publisher = Long("publisher");
        var count = Long("count");
        if (Flag("small"))
        {
            using var topic = SmallTickTopic.Open(Options("topic"));
            for (var i = 0L; i < count; i++)
            {
                topic.Publish(Items.Small(publisher, i));
            }
        }
        else
        {
            using var topic = TickTopic.Open(Options("topic"));
            for (var i = 0L; i < count; i++)
            {
                topic.Publish(Items.Tick(publisher, i));
            }
        }

        Console.WriteLine("done");
        return 0;
    }

    case "subscribe":
    {
        var publishers = (int)Long("publishers");
        var count = Long("count");
        var pause = settings.TryGetValue("pause", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : 0;
        var every = settings.TryGetValue("every", out var e) ? long.Parse(e, CultureInfo.InvariantCulture) : long.MaxValue;
        var strict = Flag("strict");
        var last = new long[publishers];
        Array.Fill(last, -1);
        var finished = 0;
        var received = 0L;
        Func<TimeSpan, (bool Got, Tick Item)> receive;
        Func<long> missed;
        IDisposable handle, subscription;
        if (Flag("small"))
        {
            var topic = SmallTickTopic.Open(Options("topic"));
            var subscriber = topic.Subscribe();
            receive = timeout =>
            {
                var got = subscriber.TryReceive(out var s, timeout);
                if (!Items.IsWhole(s) && got)
                {
                    return (true, new Tick { Publisher = -1 });
                }

                return (got, new Tick { Publisher = s.Publisher, Sequence = s.Sequence, Checksum = s.Checksum, A = s.A, B = s.B, C = s.C, D = s.D, E = s.E });
            };
            missed = () => subscriber.Missed;
            (handle, subscription) = (topic, subscriber);
        }
        else
        {
            var topic = TickTopic.Open(Options("topic"));
            var subscriber = topic.Subscribe();
            receive = timeout => (subscriber.TryReceive(out var t, timeout), t);
            missed = () => subscriber.Missed;
            (handle, subscription) = (topic, subscriber);
        }

        Console.WriteLine("subscribed");
        while (finished < publishers)
        {
            var (got, item) = receive(TimeSpan.FromSeconds(60));
            if (!got)
            {
                Console.Error.WriteLine($"subscribe: nothing for 60 s after {received} items, missed {missed()}");
                return 2;
            }

            if (item.Publisher < 0 || item.Publisher >= publishers || !Items.IsWhole(item))
            {
                Console.WriteLine($"torn item after {received}: publisher {item.Publisher} sequence {item.Sequence}");
                return 3;
            }

            var previous = last[item.Publisher];
            if (item.Sequence <= previous || (strict && item.Sequence != previous + 1))
            {
                Console.WriteLine($"out of order: publisher {item.Publisher} sequence {item.Sequence} after {previous}");
                return 4;
            }

            last[item.Publisher] = item.Sequence;
            received++;
            if (item.Sequence == count - 1)
            {
                finished++;
            }

            if (pause > 0 && received % every == 0)
            {
                Thread.Sleep(pause);
            }
        }

        Console.WriteLine($"ok received={received} missed={missed()}");
        subscription.Dispose();
        handle.Dispose();
        return 0;
    }

    case "scribble":
    {
        // A hostile peer with write access: random words over everything after the header, as fast as it can.
        var path = "/dev/shm/" + settings["topic"];
        var seconds = Long("seconds");
        using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        using var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
        var length = new FileInfo(path).Length;
        const long payload = 4096;
        var random = new Random(1234);
        var until = DateTime.UtcNow.AddSeconds(seconds);
        Console.WriteLine("scribbling");
        while (DateTime.UtcNow < until)
        {
            for (var i = 0; i < 1000; i++)
            {
                // Mostly the control words (where the counter and the futex word live) and slot state words.
                var offset = random.Next(4) == 0
                    ? payload + (random.Next(3) * 128)
                    : payload + 384 + (random.NextInt64((length - payload - 384) / 64) * 64);
                var value = random.Next(4) switch
                {
                    0 => random.NextInt64(),
                    1 => -1L,
                    2 => 0L,
                    _ => random.NextInt64(-3, 3),
                };
                view.Write(offset, value);
            }
        }

        Console.WriteLine("done");
        return 0;
    }

    case "loan-hang":
    {
        using var queue = LoanItemQueue.Open(Options("queue"));
        var slot = queue.BeginEnqueue();
        slot.Item = Items.Loan(Long("publisher"), Long("sequence"));
        Console.WriteLine("claimed");
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    case "loan-produce":
    {
        using var queue = LoanItemQueue.Open(Options("queue"));
        var publisher = Long("publisher");
        for (var i = 0L; i < Long("count"); i++)
        {
            using var slot = queue.BeginEnqueue();
            slot.Item = Items.Loan(publisher, i);
            slot.Commit();
        }

        Console.WriteLine("done");
        return 0;
    }

    case "batch-produce":
    {
        using var queue = LoanItemQueue.Open(Options("queue"));
        var publisher = Long("publisher");
        var count = Long("count");
        var batch = new LoanItem[Long("batch")];
        for (var i = 0L; i < count;)
        {
            var n = (int)Math.Min(batch.Length, count - i);
            for (var j = 0; j < n; j++)
            {
                batch[j] = Items.Loan(publisher, i + j);
            }

            queue.EnqueueRange(batch.AsSpan(0, n));
            i += n;
        }

        Console.WriteLine("done");
        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 64;
}
