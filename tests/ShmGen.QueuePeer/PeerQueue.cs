using System;

namespace ShmGen.QueuePeer;

/// <summary>One of the test queue types behind one interface, so every role runs on the 1024-slot and the 4-slot queue.</summary>
public abstract class PeerQueue : IDisposable
{
    /// <summary>Opens the queue <paramref name="name"/> as <c>big</c> (<see cref="TestItemQueue"/>) or <c>small</c> (<see cref="SmallItemQueue"/>).</summary>
    public static PeerQueue Open(string kind, string name) => kind switch
    {
        "big" => new Big(TestItemQueue.Open(new SegmentOptions { Name = name })),
        "small" => new Small(SmallItemQueue.Open(new SegmentOptions { Name = name })),
        _ => throw new ArgumentException($"unknown queue kind {kind}", nameof(kind)),
    };

    /// <summary>Enqueue, waiting while full.</summary>
    public abstract void Enqueue(in TestItem item);

    /// <summary>Dequeue, waiting while empty.</summary>
    public abstract TestItem Dequeue();

    /// <summary>Dequeue within a timeout.</summary>
    public abstract bool TryDequeue(out TestItem item, TimeSpan timeout);

    /// <inheritdoc />
    public abstract void Dispose();

    private sealed class Big(TestItemQueue queue) : PeerQueue
    {
        public override void Enqueue(in TestItem item) => queue.Enqueue(in item);

        public override TestItem Dequeue() => queue.Dequeue();

        public override bool TryDequeue(out TestItem item, TimeSpan timeout) => queue.TryDequeue(out item, timeout);

        public override void Dispose() => queue.Dispose();
    }

    private sealed class Small(SmallItemQueue queue) : PeerQueue
    {
        public override void Enqueue(in TestItem item) =>
            queue.Enqueue(new SmallItem { Producer = item.Producer, Sequence = item.Sequence, Checksum = item.Checksum, Filler = item.Filler });

        public override TestItem Dequeue() => TestItems.Widen(queue.Dequeue());

        public override bool TryDequeue(out TestItem item, TimeSpan timeout)
        {
            var taken = queue.TryDequeue(out var small, timeout);
            item = TestItems.Widen(small);
            return taken;
        }

        public override void Dispose() => queue.Dispose();
    }
}
