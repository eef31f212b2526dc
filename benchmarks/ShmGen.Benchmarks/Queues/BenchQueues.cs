using System;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace ShmGen.Benchmarks.Queues;

/// <summary>An 8-byte item: the stamp alone.</summary>
[SharedQueue("shmgen-bench-queue8", Capacity = 1024)]
public partial struct BenchItem8
{
    /// <summary>The stamp (the first and the last 8 bytes are the same 8 bytes).</summary>
    public long Head;
}

/// <summary>A 64-byte item: stamp, filler, stamp again.</summary>
[SharedQueue("shmgen-bench-queue64", Capacity = 1024)]
public unsafe partial struct BenchItem64
{
    /// <summary>The stamp.</summary>
    public long Head;

    /// <summary>Filler the sender writes and the queue copies like any other byte.</summary>
    public fixed byte Body[48];

    /// <summary>The stamp again: a torn copy shows as head != tail.</summary>
    public long Tail;
}

/// <summary>A 1 KB item.</summary>
[SharedQueue("shmgen-bench-queue1024", Capacity = 1024)]
public unsafe partial struct BenchItem1024
{
    /// <summary>The stamp.</summary>
    public long Head;

    /// <summary>Filler.</summary>
    public fixed byte Body[1008];

    /// <summary>The stamp again.</summary>
    public long Tail;
}

/// <summary>A 4 KB item (the ipc table's largest message).</summary>
[SharedQueue("shmgen-bench-queue4096", Capacity = 256)]
public unsafe partial struct BenchItem4096
{
    /// <summary>The stamp.</summary>
    public long Head;

    /// <summary>Filler.</summary>
    public fixed byte Body[4080];

    /// <summary>The stamp again.</summary>
    public long Tail;
}

/// <summary>
/// One generated queue type seen generically. Implemented by small structs over the generated classes, so generic
/// benchmark loops are specialized per item type and call the generated methods directly (no interface dispatch).
/// </summary>
internal interface IBenchQueue<TSelf, TItem> : IDisposable
    where TSelf : struct, IBenchQueue<TSelf, TItem>
    where TItem : unmanaged
{
    static abstract TSelf Create(string name);

    static abstract TSelf Open(string name);

    string Name { get; }

    void Enqueue(in TItem item);

    TItem Dequeue();

    /// <summary>Enqueues a whole batch (one claim where the ring allows it).</summary>
    void EnqueueRange(ReadOnlySpan<TItem> items);

    /// <summary>Waits for at least one item; returns how many it took.</summary>
    int DequeueRange(Span<TItem> destination);

    /// <summary>Zero-copy: loans a slot, writes <paramref name="stamp"/> into the item in place, commits.</summary>
    void EnqueueInPlace(long stamp);

    /// <summary>Zero-copy: loans the oldest item and reads its stamp in place.</summary>
    long DequeueInPlace();

    void Unlink();
}

/// <summary>Code that runs with the queue type of one item size.</summary>
internal interface IBenchQueueAction<TResult>
{
    TResult Invoke<TQueue, TItem>()
        where TQueue : struct, IBenchQueue<TQueue, TItem>
        where TItem : unmanaged;
}

internal static class BenchQueues
{
    public static readonly int[] Sizes = [8, 64, 1024, 4096];

    /// <summary>Runs <paramref name="action"/> with the queue whose items are <paramref name="size"/> bytes.</summary>
    public static TResult With<TResult, TAction>(int size, TAction action)
        where TAction : IBenchQueueAction<TResult> => size switch
        {
            8 => action.Invoke<Queue8, BenchItem8>(),
            64 => action.Invoke<Queue64, BenchItem64>(),
            1024 => action.Invoke<Queue1024, BenchItem1024>(),
            4096 => action.Invoke<Queue4096, BenchItem4096>(),
            _ => throw new InvalidOperationException($"shmgen-queue: no item type of {size} bytes (there are {string.Join(", ", Sizes)})"),
        };

    /// <summary>How many items the queue of <paramref name="size"/>-byte items holds: a peer queue in the same row gets
    /// the same capacity.</summary>
    public static int CapacityOf(int size) => With<int, CapacityReader>(size, default);

    /// <summary>Writes <paramref name="stamp"/> into the first and the last 8 bytes of <paramref name="item"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Stamp<TItem>(ref TItem item, long stamp)
        where TItem : unmanaged
    {
        ref var bytes = ref Unsafe.As<TItem, byte>(ref item);
        Unsafe.WriteUnaligned(ref bytes, stamp);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref bytes, Unsafe.SizeOf<TItem>() - 8), stamp);
    }

    /// <summary>The stamp of <paramref name="item"/>; throws when head and tail differ (a torn or stale copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long ReadStamp<TItem>(in TItem item)
        where TItem : unmanaged
    {
        ref var bytes = ref Unsafe.As<TItem, byte>(ref Unsafe.AsRef(in item));
        var head = Unsafe.ReadUnaligned<long>(ref bytes);
        var tail = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref bytes, Unsafe.SizeOf<TItem>() - 8));
        if (head != tail)
        {
            ThrowTorn(head, tail);
        }

        return head;
    }

    private readonly struct CapacityReader : IBenchQueueAction<int>
    {
        public int Invoke<TQueue, TItem>()
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged => typeof(TItem).GetCustomAttribute<SharedQueueAttribute>()!.Capacity;
    }

    private static void ThrowTorn(long head, long tail) =>
        throw new InvalidOperationException($"shmgen-queue: torn item (head {head}, tail {tail})");

    internal readonly struct Queue8(BenchItem8Queue queue) : IBenchQueue<Queue8, BenchItem8>
    {
        public string Name => queue.Name;

        public static Queue8 Create(string name) => new(BenchItem8Queue.Create(new SegmentOptions { Name = name }));

        public static Queue8 Open(string name) => new(BenchItem8Queue.Open(new SegmentOptions { Name = name }));

        public void Enqueue(in BenchItem8 item) => queue.Enqueue(in item);

        public BenchItem8 Dequeue() => queue.Dequeue();

        public void EnqueueRange(ReadOnlySpan<BenchItem8> items) => queue.EnqueueRange(items);

        public int DequeueRange(Span<BenchItem8> destination) => queue.DequeueRange(destination);

        public void EnqueueInPlace(long stamp)
        {
            using var slot = queue.BeginEnqueue();
            BenchQueues.Stamp(ref slot.Item, stamp);
            slot.Commit();
        }

        public long DequeueInPlace()
        {
            using var slot = queue.BeginDequeue();
            return BenchQueues.ReadStamp(in slot.Item);
        }

        public void Unlink() => queue.Unlink();

        public void Dispose() => queue.Dispose();
    }

    internal readonly struct Queue64(BenchItem64Queue queue) : IBenchQueue<Queue64, BenchItem64>
    {
        public string Name => queue.Name;

        public static Queue64 Create(string name) => new(BenchItem64Queue.Create(new SegmentOptions { Name = name }));

        public static Queue64 Open(string name) => new(BenchItem64Queue.Open(new SegmentOptions { Name = name }));

        public void Enqueue(in BenchItem64 item) => queue.Enqueue(in item);

        public BenchItem64 Dequeue() => queue.Dequeue();

        public void EnqueueRange(ReadOnlySpan<BenchItem64> items) => queue.EnqueueRange(items);

        public int DequeueRange(Span<BenchItem64> destination) => queue.DequeueRange(destination);

        public void EnqueueInPlace(long stamp)
        {
            using var slot = queue.BeginEnqueue();
            BenchQueues.Stamp(ref slot.Item, stamp);
            slot.Commit();
        }

        public long DequeueInPlace()
        {
            using var slot = queue.BeginDequeue();
            return BenchQueues.ReadStamp(in slot.Item);
        }

        public void Unlink() => queue.Unlink();

        public void Dispose() => queue.Dispose();
    }

    internal readonly struct Queue1024(BenchItem1024Queue queue) : IBenchQueue<Queue1024, BenchItem1024>
    {
        public string Name => queue.Name;

        public static Queue1024 Create(string name) => new(BenchItem1024Queue.Create(new SegmentOptions { Name = name }));

        public static Queue1024 Open(string name) => new(BenchItem1024Queue.Open(new SegmentOptions { Name = name }));

        public void Enqueue(in BenchItem1024 item) => queue.Enqueue(in item);

        public BenchItem1024 Dequeue() => queue.Dequeue();

        public void EnqueueRange(ReadOnlySpan<BenchItem1024> items) => queue.EnqueueRange(items);

        public int DequeueRange(Span<BenchItem1024> destination) => queue.DequeueRange(destination);

        public void EnqueueInPlace(long stamp)
        {
            using var slot = queue.BeginEnqueue();
            BenchQueues.Stamp(ref slot.Item, stamp);
            slot.Commit();
        }

        public long DequeueInPlace()
        {
            using var slot = queue.BeginDequeue();
            return BenchQueues.ReadStamp(in slot.Item);
        }

        public void Unlink() => queue.Unlink();

        public void Dispose() => queue.Dispose();
    }

    internal readonly struct Queue4096(BenchItem4096Queue queue) : IBenchQueue<Queue4096, BenchItem4096>
    {
        public string Name => queue.Name;

        public static Queue4096 Create(string name) => new(BenchItem4096Queue.Create(new SegmentOptions { Name = name }));

        public static Queue4096 Open(string name) => new(BenchItem4096Queue.Open(new SegmentOptions { Name = name }));

        public void Enqueue(in BenchItem4096 item) => queue.Enqueue(in item);

        public BenchItem4096 Dequeue() => queue.Dequeue();

        public void EnqueueRange(ReadOnlySpan<BenchItem4096> items) => queue.EnqueueRange(items);

        public int DequeueRange(Span<BenchItem4096> destination) => queue.DequeueRange(destination);

        public void EnqueueInPlace(long stamp)
        {
            using var slot = queue.BeginEnqueue();
            BenchQueues.Stamp(ref slot.Item, stamp);
            slot.Commit();
        }

        public long DequeueInPlace()
        {
            using var slot = queue.BeginDequeue();
            return BenchQueues.ReadStamp(in slot.Item);
        }

        public void Unlink() => queue.Unlink();

        public void Dispose() => queue.Dispose();
    }
}
