// The child program of the queue tests: one role per process, chosen by the first argument, settings as key=value.
//   produce      queue= kind= producer= count=                  enqueue count items, then exit
//   consume      queue= kind= ledger= producers= perProducer= [order=strict]
//                                                              dequeue until the stop item, record each in the ledger
//   enqueue-one  queue= kind= producer= sequence=               print "ready", Enqueue (may stall), print "done"
//   dequeue-one  queue= kind=                                   print "ready", Dequeue (may wait), print "got P S ok|torn"
//   ping         queue= reply= kind= count=                     send i, wait for i back, count times
//   echo         queue= reply= kind= count=                     send back what arrives, count times
//   dequeue-async queue= count= [waiter=fallback]               count pending DequeueAsync calls at once (see AsyncRoles)
//   corrupt      queue= kind= seed= [ms=N]                      write seeded random values into the queue's control words
//                                                              through plain mmap, once or for N ms (see Corruptor)
// Common: kill=enqueue|dequeue:claimed|copied|done:N (SIGKILL itself at that phase of its N-th enqueue or dequeue), recheck=MS (parked waiters' re-check, -1 never),
//         spin=N (spin rounds before parking; 0 parks at once).
using System;
using System.Collections.Generic;
using System.Globalization;
using ShmGen;
using ShmGen.QueuePeer;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: ShmGen.QueuePeer MODE key=value...");
    return 64;
}

var settings = new Dictionary<string, string>(StringComparer.Ordinal);
foreach (var argument in args[1..])
{
    var equals = argument.IndexOf('=', StringComparison.Ordinal);
    settings[argument[..equals]] = argument[(equals + 1)..];
}

// Before the first queue operation: the runtime reads its test switches once.
if (settings.TryGetValue("kill", out var kill))
{
    AppContext.SetData("ShmGen.Testing.QueueKillInsideClaim", kill);
}

if (settings.TryGetValue("recheck", out var recheck))
{
    AppContext.SetData("ShmGen.Testing.QueueParkRecheckMilliseconds", recheck);
}

if (settings.TryGetValue("spin", out var spin))
{
    AppContext.SetData("ShmGen.Testing.QueueSpinIterations", spin);
}

if (settings.TryGetValue("waiter", out var waiter) && waiter == "fallback")
{
    AppContext.SetData("ShmGen.Testing.AsyncWaiterFallback", "true");
}

if (args[0] == "dequeue-async")
{
    return await AsyncRoles.DequeueManyAsync(settings);
}

if (args[0] == "corrupt")
{
    return Corruptor.Run(settings);
}

int Int(string key) => int.Parse(settings[key], CultureInfo.InvariantCulture);

using var queue = PeerQueue.Open(settings["kind"], settings["queue"]);
switch (args[0])
{
    case "produce":
    {
        var producer = Int("producer");
        var count = Int("count");
        for (var sequence = 0; sequence < count; sequence++)
        {
            queue.Enqueue(TestItems.Make(producer, sequence));
        }

        return 0;
    }

    case "consume":
    {
        using var ledger = Ledger.Open(settings["ledger"], Int("producers"), Int("perProducer"));
        var strict = settings.TryGetValue("order", out var order) && order == "strict";
        var last = new Dictionary<int, int>();
        var received = 0;
        while (true)
        {
            if (!queue.TryDequeue(out var item, TimeSpan.FromSeconds(60)))
            {
                Console.Error.WriteLine($"consume: nothing for 60 s after {received} items");
                return 2;
            }

            if (item.Producer == TestItems.StopProducer)
            {
                Console.WriteLine($"received {received}");
                return 0;
            }

            // One producer's items must reach this consumer in the producer's order (strictly consecutive when this is
            // the only consumer and nothing is lost).
            var previous = last.TryGetValue(item.Producer, out var p) ? p : -1;
            var inOrder = strict ? item.Sequence == previous + 1 : item.Sequence > previous;
            last[item.Producer] = item.Sequence;
            ledger.Record(item, inOrder);
            received++;
        }
    }

    case "enqueue-one":
        Console.WriteLine("ready");
        queue.Enqueue(TestItems.Make(Int("producer"), Int("sequence")));
        Console.WriteLine("done");
        return 0;

    case "dequeue-one":
    {
        Console.WriteLine("ready");
        var item = queue.Dequeue();
        Console.WriteLine($"got {item.Producer} {item.Sequence} {(TestItems.IsIntact(item) ? "ok" : "torn")}");
        return 0;
    }

    case "ping":
    {
        using var replies = PeerQueue.Open(settings["kind"], settings["reply"]);
        var count = Int("count");
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(TestItems.Make(0, i));
            var back = replies.Dequeue();
            if (back.Sequence != i || !TestItems.IsIntact(back))
            {
                Console.Error.WriteLine($"ping: sent {i}, got {back.Sequence}");
                return 3;
            }
        }

        Console.WriteLine($"rounds {count}");
        return 0;
    }

    case "echo":
    {
        using var replies = PeerQueue.Open(settings["kind"], settings["reply"]);
        var count = Int("count");
        for (var i = 0; i < count; i++)
        {
            replies.Enqueue(queue.Dequeue());
        }

        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 64;
}
