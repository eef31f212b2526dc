using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;

namespace ShmGen.QueuePeer;

/// <summary>
/// <c>dequeue-async queue= count= [waiter=fallback]</c>: starts <c>count</c> DequeueAsync calls on the 1024-slot queue at
/// once, prints "pending BEFORE FEW ALL" (this process's thread count from /proc/self/status before the calls, with 10
/// of them parked, and with all of them parked), then awaits them and prints "got N distinct D intact I threads T" (T: the most
/// threads seen while they completed).
/// </summary>
public static class AsyncRoles
{
    /// <summary>Runs the role; the exit code.</summary>
    public static async Task<int> DequeueManyAsync(Dictionary<string, string> settings)
    {
        var count = int.Parse(settings["count"], CultureInfo.InvariantCulture);
        using var queue = TestItemQueue.Open(new SegmentOptions { Name = settings["queue"] });
        var before = Threads();
        var pending = new Task<TestItem>[count];
        const int First = 10;
        for (var i = 0; i < First; i++)
        {
            pending[i] = queue.DequeueAsync().AsTask();
        }

        await Task.Delay(300).ConfigureAwait(false);
        var few = Threads();
        for (var i = First; i < count; i++)
        {
            pending[i] = queue.DequeueAsync().AsTask();
        }

        await Task.Delay(300).ConfigureAwait(false);
        var parked = Threads();
        Console.WriteLine($"pending {before} {few} {parked}");
        var most = parked;
        var all = Task.WhenAll(pending);
        while (await Task.WhenAny(all, Task.Delay(50)).ConfigureAwait(false) != all)
        {
            most = Math.Max(most, Threads());
        }

        var items = await all.ConfigureAwait(false);
        var distinct = new HashSet<(int, int)>();
        var intact = 0;
        foreach (var item in items)
        {
            distinct.Add((item.Producer, item.Sequence));
            intact += TestItems.IsIntact(item) ? 1 : 0;
        }

        Console.WriteLine($"got {items.Length} distinct {distinct.Count} intact {intact} threads {most}");
        return 0;
    }

    /// <summary>This process's thread count (the kernel's, so runtime-internal threads count too).</summary>
    public static int Threads()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                return int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no Threads line in /proc/self/status");
    }
}
