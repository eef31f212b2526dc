using System;
using System.Globalization;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Threading;

namespace ShmGen.Testing;

/// <summary>
/// A hostile writer of a segment: it maps the file like any process with write permission can, without ShmGen, and
/// writes what an attacker would into the header's lock block (offset 64: the lock word, the snapshot sequence, the
/// condition word), or into a Raw segment's semaphore file. The runtime must survive every one of these
/// (docs/architecture.md, "The lock").
/// </summary>
internal static unsafe class HostilePeer
{
    private const int LockBlockOffset = 64;

    public static int Run(string name, string pattern)
    {
        // A segment's header page, or the whole 32-byte sem_t file of a Raw segment's lock ("random-semaphore").
        var semaphore = pattern == "random-semaphore";
        using var file = MemoryMappedFile.CreateFromFile("/dev/shm/" + name, FileMode.Open, mapName: null, 0, MemoryMappedFileAccess.ReadWrite);
        using var view = file.CreateViewAccessor(0, semaphore ? 32 : 4096);
        byte* mapping = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref mapping);
        try
        {
            var block = (uint*)(mapping + (semaphore ? 0 : LockBlockOffset));
            switch (pattern)
            {
                case "random-semaphore":
                {
                    // The sem_t's value, waiter count, private field and padding, rewritten as fast as this core allows.
                    var random = new Random(4321);
                    Console.WriteLine("scribbling");
                    while (true)
                    {
                        for (var i = 0; i < 8; i++)
                        {
                            Volatile.Write(ref block[i], (uint)random.Next() | (random.Next(2) == 0 ? 0 : 0x8000_0000u));
                        }
                    }
                }

                case "random":
                {
                    // Every word of the block, rewritten as fast as this core allows, until killed.
                    var random = new Random(1234);
                    Console.WriteLine("scribbling");
                    while (true)
                    {
                        for (var i = 0; i < 16; i++)
                        {
                            Volatile.Write(ref block[i], (uint)random.Next() | (random.Next(2) == 0 ? 0 : 0x8000_0000u));
                        }
                    }
                }

                case "flip":
                {
                    // Free, then a dead owner with the waiter bit, then free again: every CAS a locker tries races it.
                    Console.WriteLine("scribbling");
                    while (true)
                    {
                        Volatile.Write(ref block[0], 0);
                        Volatile.Write(ref block[0], 0x8000_0001u);
                        Volatile.Write(ref block[1], Volatile.Read(ref block[1]) + 1);
                    }
                }

                case "forge-live":
                {
                    // Claims the lock in the name of this live process's main thread: a lock a peer never releases.
                    Volatile.Write(ref block[0], SelfIdentity());
                    Console.WriteLine("written");
                    Thread.Sleep(Timeout.Infinite);
                    return 0;
                }

                case "forge":
                {
                    // Writes the value given on the command line into the lock word (e.g. another thread's identity).
                    Volatile.Write(ref block[0], uint.Parse(Environment.GetCommandLineArgs()[^1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    Console.WriteLine("written");
                    return 0;
                }

                case "not-recoverable":
                    Volatile.Write(ref block[0], 0x7FC0_0000u);
                    Console.WriteLine("written");
                    return 0;

                case "odd-sequence":
                    Volatile.Write(ref block[1], 0x1235u);
                    Console.WriteLine("written");
                    return 0;

                case "zero":
                    new Span<byte>(block, 64).Clear();
                    Console.WriteLine("written");
                    return 0;

                default:
                    Console.Error.WriteLine($"unknown pattern {pattern}");
                    return 2;
            }
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>The identity ShmGen's lock would give this process's main thread: tid (= pid) and 9 start-time bits.</summary>
    private static uint SelfIdentity()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var startTime = ulong.Parse(fields[19], CultureInfo.InvariantCulture);
        return ((uint)Environment.ProcessId & 0x3F_FFFF) | ((uint)(startTime & 0x1FF) << 22);
    }
}
