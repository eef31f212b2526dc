// Verbs for the metrics tests: a lock holder that makes the parent's Lock a real contended wait.
using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using ShmGen.Testing;

namespace ShmGen.TestPeer;

internal static class MetricVerbs
{
    // The Standard header's lock word: SegmentHeader.Lock at offset 64, and its waiter bit (docs/architecture.md, "The
    // lock"). Read with pread from the file, so the peer needs no internals.
    private const long LockWordOffset = 64;
    private const uint WaiterBit = 0x8000_0000;

    public static bool Handles(string verb) => verb is "hold-until-waited";

    public static int Run(string[] args) => args[0] switch
    {
        "hold-until-waited" => HoldUntilWaited(args[1], int.Parse(args[2], CultureInfo.InvariantCulture)),
        _ => 2,
    };

    /// <summary>
    /// Takes the lock, prints "locked", waits until another thread parks on it (the waiter bit appears in the lock word),
    /// holds it <paramref name="holdMilliseconds"/> more, releases and prints "released": the waiter's Lock is then
    /// contended for certain, and waited at least that long.
    /// </summary>
    private static int HoldUntilWaited(string name, int holdMilliseconds)
    {
        using var segment = CounterSegment.Open(new SegmentOptions { Name = name, OpenTimeout = TimeSpan.FromSeconds(10) });
        using var file = File.OpenHandle("/dev/shm/" + name, FileMode.Open, FileAccess.Read);
        Span<byte> word = stackalloc byte[4];
        using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
        {
            Console.WriteLine("locked");
            var giveUp = Stopwatch.StartNew();
            while (true)
            {
                RandomAccess.Read(file, word, LockWordOffset);
                if ((BinaryPrimitives.ReadUInt32LittleEndian(word) & WaiterBit) != 0)
                {
                    break;
                }

                if (giveUp.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Console.WriteLine("nobody waited");
                    return 3;
                }

                Thread.Sleep(1);
            }

            Console.WriteLine("waited on");
            Thread.Sleep(holdMilliseconds);
            guard.Value++;
            guard.Shadow = guard.Value;
        }

        Console.WriteLine("released");
        return 0;
    }
}
