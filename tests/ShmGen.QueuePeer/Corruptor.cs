using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;
using ShmGen.Runtime;

namespace ShmGen.QueuePeer;

/// <summary>
/// The hostile peer of the queue corruption tests: maps a queue's file with plain mmap (not through ShmGen, so nothing
/// it writes is checked) and writes seeded random values into the control block and the slots' state words, once or
/// continuously. Where the words are comes from the runtime's own definitions (<see cref="SegmentHeader.Size"/>,
/// <see cref="QueueControl"/>, <see cref="QueueDefinition.SlotGeometry"/>), never from numbers copied here.
/// </summary>
internal static unsafe class Corruptor
{
    /// <summary>
    /// <c>corrupt queue= kind= seed= [ms=N]</c>: without <c>ms</c>, makes 1..8 corrupting writes, prints "corrupted" and
    /// exits; with it, prints "corrupting" and keeps writing for N ms (half the seeds rewrite one word on every
    /// iteration, the other half a random word each time), then prints "done".
    /// </summary>
    public static int Run(IReadOnlyDictionary<string, string> settings)
    {
        var seed = int.Parse(settings["seed"], CultureInfo.InvariantCulture);
        var (capacity, itemSize) = settings["kind"] switch
        {
            "big" => (1024, sizeof(TestItem)),
            "small" => (4, sizeof(SmallItem)),
            var kind => throw new ArgumentException($"unknown queue kind {kind}"),
        };

        // Both items' widest field is a ulong: 8-byte alignment.
        var (_, stride) = QueueDefinition.SlotGeometry(itemSize, itemAlignment: 8);
        var path = Path.Combine("/dev/shm", settings["queue"]);
        using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.ReadWrite);
        using var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            var needed = SegmentHeader.Size + QueueControl.Size + ((long)capacity * stride);
            if ((long)view.SafeMemoryMappedViewHandle.ByteLength < needed)
            {
                Console.Error.WriteLine($"corrupt: {path} has {view.SafeMemoryMappedViewHandle.ByteLength} bytes, a {settings["kind"]} queue needs {needed}");
                return 2;
            }

            var control = (QueueControl*)(start + SegmentHeader.Size);
            if (control->Capacity != (uint)capacity || control->SlotStride != (uint)stride)
            {
                Console.Error.WriteLine($"corrupt: {path} says capacity {control->Capacity}, stride {control->SlotStride}; expected {capacity}, {stride}");
                return 2;
            }

            var target = new Target(control, start + SegmentHeader.Size + QueueControl.Size, (uint)capacity, stride);
            var random = new Random(seed);
            if (!settings.TryGetValue("ms", out var ms))
            {
                for (int writes = random.Next(1, 9), i = 0; i < writes; i++)
                {
                    target.Write(random, target.Pick(random));
                }

                Console.WriteLine("corrupted");
                return 0;
            }

            var until = Stopwatch.GetTimestamp() + (long.Parse(ms, CultureInfo.InvariantCulture) * Stopwatch.Frequency / 1000);
            var oneWord = random.Next(2) == 0;
            var word = target.Pick(random);
            Console.WriteLine("corrupting");
            while (Stopwatch.GetTimestamp() < until)
            {
                target.Write(random, oneWord ? word : target.Pick(random));
            }

            Console.WriteLine("done");
            return 0;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>The words a corruptor writes: the control block's 4-byte fields and each slot's two state halves.</summary>
    private readonly struct Target(QueueControl* control, byte* slots, uint capacity, int stride)
    {
        public uint* Pick(Random random) => random.Next(10) switch
        {
            0 => &control->EnqueuePosition,
            1 => &control->DequeuePosition,
            2 => (uint*)&control->NotEmpty,
            3 => (uint*)&control->NotFull,
            4 => random.Next(5) switch
            {
                0 => &control->Version,
                1 => &control->Capacity,
                2 => &control->SlotStride,
                3 => &control->ItemOffset,
                _ => &control->ItemSize,
            },

            // A slot's state word: the low half is its sequence, the high half its claim (QueueControl's remarks).
            var n => (uint*)(slots + ((long)random.Next((int)capacity) * stride)) + (n & 1),
        };

        public void Write(Random random, uint* word)
        {
            var current = *word;
            *word = random.Next(9) switch
            {
                0 => (uint)random.NextInt64(0, 1L << 32),
                1 => 0,
                2 => uint.MaxValue,
                3 => unchecked(current + (uint)random.Next(-2 * (int)capacity, (2 * (int)capacity) + 1)),
                4 => unchecked(current + 1),
                5 => unchecked(current - 1),
                6 => QueueClaim.Tombstone,
                7 => QueueClaim.Self, // a claim of this process: alive while it corrupts, gone once it exits
                _ => current ^ (1u << random.Next(32)),
            };
        }
    }
}
