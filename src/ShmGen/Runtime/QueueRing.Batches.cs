using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Runtime;

/// <summary>
/// Batches: many items per call, under one reference on the mapping. Each item still takes its own slot claim (the
/// ring's claims are per slot, which is what lets a dead process's one item be skipped without losing the batch), so
/// a batch saves the per-call overhead, not the per-slot CASes. One producer's batch keeps its order.
/// </summary>
public sealed unsafe partial class QueueRing<T>
{
    /// <summary>Adds every item of <paramref name="items"/> in order, waiting while the queue is full.</summary>
    /// <param name="items">Copied into the queue.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void EnqueueRange(ReadOnlySpan<T> items)
    {
        _mapping.AddReference();
        try
        {
            for (var i = 0; i < items.Length; i++)
            {
                if (!TryEnqueueOnce(in items[i], out _, out _))
                {
                    EnqueueWaiting(in items[i], Timeout.InfiniteTimeSpan, default);
                }
            }
        }
        finally
        {
            _mapping.ReleaseReference();
        }
    }

    /// <summary>Takes up to <paramref name="destination"/>'s length of the oldest items, waiting for at least one.</summary>
    /// <param name="destination">Receives the items in queue order.</param>
    /// <returns>How many items were taken (at least one, unless <paramref name="destination"/> is empty).</returns>
    public int DequeueRange(Span<T> destination) => TryDequeueRange(destination, Timeout.InfiniteTimeSpan);

    /// <summary>Takes up to <paramref name="destination"/>'s length of the oldest items, waiting at most <paramref name="timeout"/> for the first.</summary>
    /// <param name="destination">Receives the items in queue order.</param>
    /// <param name="timeout">How long to wait while empty; <see cref="TimeSpan.Zero"/> does not wait.</param>
    /// <returns>How many items were taken; 0 when the timeout ran out.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int TryDequeueRange(Span<T> destination, TimeSpan timeout)
    {
        Deadline.Validate(timeout);
        if (destination.IsEmpty)
        {
            return 0;
        }

        _mapping.AddReference();
        try
        {
            if (!TryDequeueOnce(out destination[0], out _, out _) && !DequeueWaiting(out destination[0], timeout, default))
            {
                return 0;
            }

            var taken = 1;
            while (taken < destination.Length && TryDequeueOnce(out destination[taken], out _, out _))
            {
                taken++;
            }

            return taken;
        }
        finally
        {
            _mapping.ReleaseReference();
        }
    }
}
