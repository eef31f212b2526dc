// A child process for the shmgen tool tests: it creates segments and queues, and leaves or dies with them the ways an
// operator finds them.
//   create NAME        creates the segment and exits without unlinking it (a dead creator, no users left)
//   die-holding NAME   creates it, takes the lock and exits holding it (the kernel marks the robust lock abandoned)
//   die-holding-unrepairable NAME   the same, with data the repair hook refuses (ToolTestData.Unrepairable)
//   serve              a live peer driven by commands on stdin, one per line, each answered "ok" (or "error: ...")
//                      once done; it keeps what it creates mapped until "exit", then unlinks all of it:
//     segment NAME              create a ToolTestData segment holding Counter=42, Flags=-7, Last={2.5, 7}
//     queue NAME                create a ToolTestJob queue (capacity 64)
//     enqueue NAME N            enqueue N items         dequeue NAME N   dequeue N items
//     trickle NAME N MS         enqueue N items, one every MS milliseconds, in the background (answers at once)
//     tick NAME N MS            increment Counter N times, one every MS milliseconds, in the background
//     lock NAME                 take the segment's lock and hold it (on a thread of its own) until "unlock NAME"
//     exit
using System;
using System.Collections.Generic;
using System.Threading;
using ShmGen;
using ShmGen.Tool.Tests;

if (args is ["serve"])
{
    return Serve();
}

if (args is not [var command, var name])
{
    Console.Error.WriteLine("usage: ShmGen.Tool.TestPeer create|die-holding|die-holding-unrepairable NAME | serve");
    return 2;
}

var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = name });
using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
{
    guard.Counter = 42;
    guard.Last.Sensor = 7;
    if (command == "die-holding-unrepairable")
    {
        guard.Flags = ToolTestData.Unrepairable;
    }

    if (command.StartsWith("die-holding", StringComparison.Ordinal))
    {
        Console.Out.Flush();

        // Exit with the Guard undisposed: no unlock runs, the thread dies holding the lock.
        Environment.Exit(0);
    }
}

// Neither Dispose nor Unlink: the process exit unmaps, the name stays.
return command == "create" ? 0 : 2;

static int Serve()
{
    var segments = new Dictionary<string, ToolTestDataSegment>(StringComparer.Ordinal);
    var queues = new Dictionary<string, ToolTestJobQueue>(StringComparer.Ordinal);
    var topics = new Dictionary<string, ToolTestTickTopic>(StringComparer.Ordinal);
    var holders = new Dictionary<string, (Thread Thread, ManualResetEventSlim Release)>(StringComparer.Ordinal);
    var background = new List<Thread>();
    var timeout = TimeSpan.FromSeconds(10);
    try
    {
        while (Console.ReadLine() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            try
            {
                switch (words)
                {
                    case ["segment", var name]:
                        var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = name });
                        segments[name] = segment;
                        using (var guard = segment.Lock(timeout))
                        {
                            guard.Counter = 42;
                            guard.Flags = -7;
                            guard.Last.Value = 2.5;
                            guard.Last.Sensor = 7;
                        }

                        break;
                    case ["queue", var name]:
                        queues[name] = ToolTestJobQueue.Create(new SegmentOptions { Name = name });
                        break;
                    case ["topic", var name]:
                        topics[name] = ToolTestTickTopic.Create(new SegmentOptions { Name = name });
                        break;
                    case ["publish", var name, var count]:
                        for (var i = 0; i < int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); i++)
                        {
                            topics[name].Publish(new ToolTestTick { Sequence = i });
                        }

                        break;
                    case ["enqueue", var name, var count]:
                        for (var i = 0; i < int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); i++)
                        {
                            queues[name].Enqueue(new ToolTestJob { Id = i, Payload = i / 2.0 });
                        }

                        break;
                    case ["dequeue", var name, var count]:
                        for (var i = 0; i < int.Parse(count, System.Globalization.CultureInfo.InvariantCulture); i++)
                        {
                            queues[name].Dequeue();
                        }

                        break;
                    case ["trickle", var name, var count, var ms]:
                        background.Add(Repeat(count, ms, () => queues[name].Enqueue(new ToolTestJob { Id = 1 })));
                        break;
                    case ["tick", var name, var count, var ms]:
                        background.Add(Repeat(count, ms, () =>
                        {
                            using var guard = segments[name].Lock(timeout);
                            guard.Counter++;
                        }));
                        break;
                    case ["lock", var name]:
                        var taken = new ManualResetEventSlim();
                        var release = new ManualResetEventSlim();
                        var target = segments[name];
                        var holder = new Thread(() =>
                        {
                            using var guard = target.Lock(timeout);
                            taken.Set();
                            release.Wait();
                        });
                        holder.Start();
                        taken.Wait(timeout);
                        holders[name] = (holder, release);
                        break;
                    case ["unlock", var name]:
                        holders[name].Release.Set();
                        holders[name].Thread.Join();
                        holders.Remove(name);
                        break;
                    case ["exit"]:
                        return 0;
                    default:
                        Console.WriteLine($"error: unknown command '{line}'");
                        continue;
                }

                Console.WriteLine("ok");
            }
            catch (Exception e)
            {
                Console.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            }
        }

        return 0;
    }
    finally
    {
        foreach (var (_, release) in holders.Values)
        {
            release.Set();
        }

        foreach (var thread in background)
        {
            thread.Join();
        }

        foreach (var segment in segments.Values)
        {
            segment.Unlink();
            segment.Dispose();
        }

        foreach (var queue in queues.Values)
        {
            queue.Unlink();
            queue.Dispose();
        }
    }
}

static Thread Repeat(string count, string ms, Action action)
{
    var n = int.Parse(count, System.Globalization.CultureInfo.InvariantCulture);
    var pause = TimeSpan.FromMilliseconds(int.Parse(ms, System.Globalization.CultureInfo.InvariantCulture));
    var thread = new Thread(() =>
    {
        for (var i = 0; i < n; i++)
        {
            action();
            Thread.Sleep(pause);
        }
    }) { IsBackground = true };
    thread.Start();
    return thread;
}
