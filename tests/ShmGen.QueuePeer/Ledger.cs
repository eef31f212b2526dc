using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Threading;

namespace ShmGen.QueuePeer;

/// <summary>
/// Which items consumers received, in a memory-mapped file (not /dev/shm): a received count per (producer, sequence)
/// plus totals. Writes to a shared file mapping reach the page cache at once, so they survive a SIGKILL of the consumer
/// that made them: the test reads exactly what every consumer, dead or alive, got.
/// </summary>
public sealed unsafe class Ledger : IDisposable
{
    private const int HeaderSize = 64;
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;

    private Ledger(MemoryMappedFile file, int producers, int perProducer)
    {
        _file = file;
        _view = file.CreateViewAccessor();
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        Producers = producers;
        PerProducer = perProducer;
    }

    /// <summary>How many producers the ledger tracks.</summary>
    public int Producers { get; }

    /// <summary>How many items each producer may make.</summary>
    public int PerProducer { get; }

    /// <summary>Items received, all consumers together.</summary>
    public long Received => Volatile.Read(ref *(long*)_base);

    /// <summary>Items whose checksum did not match (torn or corrupted copies).</summary>
    public long Corrupt => Volatile.Read(ref *(long*)(_base + 8));

    /// <summary>Items one consumer received out of its producer's order.</summary>
    public long OutOfOrder => Volatile.Read(ref *(long*)(_base + 16));

    /// <summary>Items with a producer or sequence outside the ledger.</summary>
    public long Unknown => Volatile.Read(ref *(long*)(_base + 24));

    /// <summary>Creates a zeroed ledger file.</summary>
    public static Ledger Create(string path, int producers, int perProducer)
    {
        var size = HeaderSize + ((long)producers * perProducer * sizeof(int));
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            stream.SetLength(size);
        }

        return Open(path, producers, perProducer);
    }

    /// <summary>Maps an existing ledger file.</summary>
    public static Ledger Open(string path, int producers, int perProducer) =>
        new(MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite), producers, perProducer);

    /// <summary>How many times (producer, sequence) was received.</summary>
    public int Count(int producer, int sequence) => Volatile.Read(ref Counter(producer, sequence));

    /// <summary>Records one received item.</summary>
    public void Record(in TestItem item, bool inOrder)
    {
        if (!TestItems.IsIntact(item))
        {
            Interlocked.Increment(ref *(long*)(_base + 8));
        }
        else if ((uint)item.Producer >= (uint)Producers || (uint)item.Sequence >= (uint)PerProducer)
        {
            Interlocked.Increment(ref *(long*)(_base + 24));
        }
        else
        {
            Interlocked.Increment(ref Counter(item.Producer, item.Sequence));
        }

        if (!inOrder)
        {
            Interlocked.Increment(ref *(long*)(_base + 16));
        }

        Interlocked.Increment(ref *(long*)_base);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private ref int Counter(int producer, int sequence) =>
        ref *(int*)(_base + HeaderSize + ((((long)producer * PerProducer) + sequence) * sizeof(int)));
}
