using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Runtime;

/// <summary>
/// Zero-copy loans: a producer claims a slot and writes the item in place (<see cref="BeginEnqueue"/>), a consumer
/// claims one and reads it in place (<see cref="BeginDequeue"/>). The claims are the ring's ordinary claims, so the
/// crash rules are the queue's: a producer killed while it holds a loan loses that item (consumers find the claimer
/// gone and skip the position), a consumer killed while it holds one loses that item (the producer that needs the slot
/// frees it).
/// </summary>
public sealed unsafe partial class QueueRing<T>
{
    /// <summary>
    /// Claims the next free slot for an item written in place, waiting while the queue is full. Consumers wait at this
    /// position until <see cref="QueueEnqueueSlot{T}.Commit"/>; disposed without it, the position is skipped.
    /// </summary>
    /// <returns>The loan; dispose it (after committing) to give the mapping back.</returns>
    public QueueEnqueueSlot<T> BeginEnqueue()
    {
        _mapping.AddReference();
        try
        {
            if (!TryClaimEnqueue(out var position, out var slot, out var claimed, out _, out _))
            {
                ClaimEnqueueWaiting(out position, out slot, out claimed);
            }

            return new QueueEnqueueSlot<T>(this, slot, position, claimed);
        }
        catch
        {
            _mapping.ReleaseReference();
            throw;
        }
    }

    /// <summary>Claims the oldest item for reading in place, waiting while the queue is empty.</summary>
    /// <returns>The loan; dispose it to give the slot back to producers.</returns>
    public QueueDequeueSlot<T> BeginDequeue()
    {
        _mapping.AddReference();
        try
        {
            if (!TryClaimDequeue(out var position, out var slot, out var claimed, out _, out _))
            {
                ClaimDequeueWaiting(out position, out slot, out claimed);
            }

            ShmGenMetrics.CountOne(ShmGenMetrics.QueueDequeued, _mapping);
            return new QueueDequeueSlot<T>(this, slot, position, claimed);
        }
        catch
        {
            _mapping.ReleaseReference();
            throw;
        }
    }

    /// <summary>The item inside a claimed slot.</summary>
    internal ref T ItemAt(byte* slot) => ref Unsafe.AsRef<T>(slot + _itemOffset);

    /// <summary>Publishes a producer's loan; <see langword="false"/> when the slot is no longer its claim.</summary>
    internal bool CommitLoan(byte* slot, uint position, ulong claimed)
    {
        var index = position & _mask;
        if (Interlocked.CompareExchange(ref *(ulong*)slot, Pack(position + 1, index, QueueClaim.Free), claimed) != claimed)
        {
            return false;
        }

        QueueSignal.Notify(ref _control->NotEmpty);
        ShmGenMetrics.CountOne(ShmGenMetrics.QueueEnqueued, _mapping);
        return true;
    }

    /// <summary>Ends a producer's loan: an uncommitted one becomes a tombstone consumers skip; then the mapping is released.</summary>
    internal void EndEnqueueLoan(byte* slot, uint position, ulong claimed)
    {
        var index = position & _mask;
        if (Interlocked.CompareExchange(ref *(ulong*)slot, Pack(position + 1, index, QueueClaim.Tombstone), claimed) == claimed)
        {
            QueueSignal.Notify(ref _control->NotEmpty);
        }

        _mapping.ReleaseReference();
    }

    /// <summary>Ends a consumer's loan: the slot goes back to producers (unless its claim was taken away), then the mapping is released.</summary>
    internal void EndDequeueLoan(byte* slot, uint position, ulong claimed)
    {
        var index = position & _mask;
        if (Interlocked.CompareExchange(ref *(ulong*)slot, Pack(position + _capacity, index, QueueClaim.Free), claimed) == claimed)
        {
            QueueSignal.Notify(ref _control->NotFull);
        }

        _mapping.ReleaseReference();
    }

    /// <summary>One non-blocking claim of a producer's position (the first half of <c>TryEnqueueOnce</c>).</summary>
    private bool TryClaimEnqueue(out uint claimedPosition, out byte* claimedSlot, out ulong claimed, out uint blockedPosition, out ulong blockedState)
    {
        var control = Control;
        for (var round = 0; round < MaxAttemptRounds; round++)
        {
            var position = Volatile.Read(ref control->EnqueuePosition);
            var index = position & _mask;
            var slot = _slots + (index * _stride);
            ref var state = ref *(ulong*)slot;
            var observed = Volatile.Read(ref state);
            var difference = (int)(Sequence(observed, index) - position);
            if (difference == 0 && Owner(observed) == QueueClaim.Free)
            {
                claimed = Pack(position, index, QueueClaim.Self);
                if (Interlocked.CompareExchange(ref state, claimed, observed) == observed)
                {
                    AdvancePast(ref control->EnqueuePosition, position);
                    claimedPosition = position;
                    claimedSlot = slot;
                    blockedPosition = 0;
                    blockedState = 0;
                    return true;
                }
            }
            else if (difference < 0)
            {
                ThrowIfBeyondLap(difference, position, observed, enqueue: true);
                blockedPosition = position;
                blockedState = observed;
                claimedPosition = 0;
                claimedSlot = null;
                claimed = 0;
                return false;
            }
            else
            {
                Interlocked.CompareExchange(ref control->EnqueuePosition, position + 1, position);
            }
        }

        blockedPosition = Volatile.Read(ref control->EnqueuePosition);
        blockedState = 0;
        claimedPosition = 0;
        claimedSlot = null;
        claimed = 0;
        return false;
    }

    /// <summary>One non-blocking claim of a consumer's position, releasing tombstones on the way.</summary>
    private bool TryClaimDequeue(out uint claimedPosition, out byte* claimedSlot, out ulong claimed, out uint blockedPosition, out ulong blockedState)
    {
        var control = Control;
        for (var round = 0; round < MaxAttemptRounds; round++)
        {
            var position = Volatile.Read(ref control->DequeuePosition);
            var index = position & _mask;
            var slot = _slots + (index * _stride);
            ref var state = ref *(ulong*)slot;
            var observed = Volatile.Read(ref state);
            var difference = (int)(Sequence(observed, index) - (position + 1));
            if (difference == 0)
            {
                var owner = Owner(observed);
                if (owner is QueueClaim.Free or QueueClaim.Tombstone)
                {
                    claimed = Pack(position + 1, index, QueueClaim.Self);
                    if (Interlocked.CompareExchange(ref state, claimed, observed) == observed)
                    {
                        AdvancePast(ref control->DequeuePosition, position);
                        if (owner == QueueClaim.Tombstone)
                        {
                            Interlocked.CompareExchange(ref state, Pack(position + _capacity, index, QueueClaim.Free), claimed);
                            QueueSignal.Notify(ref control->NotFull);
                            continue;
                        }

                        claimedPosition = position;
                        claimedSlot = slot;
                        blockedPosition = 0;
                        blockedState = 0;
                        return true;
                    }
                }
                else
                {
                    Interlocked.CompareExchange(ref control->DequeuePosition, position + 1, position);
                }
            }
            else if (difference < 0)
            {
                ThrowIfBeyondLap(difference, position, observed, enqueue: false);
                blockedPosition = position;
                blockedState = observed;
                claimedPosition = 0;
                claimedSlot = null;
                claimed = 0;
                return false;
            }
            else
            {
                Interlocked.CompareExchange(ref control->DequeuePosition, position + 1, position);
            }
        }

        blockedPosition = Volatile.Read(ref control->DequeuePosition);
        blockedState = 0;
        claimedPosition = 0;
        claimedSlot = null;
        claimed = 0;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ClaimEnqueueWaiting(out uint claimedPosition, out byte* claimedSlot, out ulong claimed)
    {
        ShmGenMetrics.CountOne(ShmGenMetrics.QueueFullWaits, _mapping);
        var wait = new Wait(this, Timeout.InfiniteTimeSpan, default);
        try
        {
            while (true)
            {
                var armed = wait.Parking ? QueueSignal.Arm(ref Control->NotFull) : 0;
                if (TryClaimEnqueue(out claimedPosition, out claimedSlot, out claimed, out var position, out var state))
                {
                    return;
                }

                // As in EnqueueWaiting: recover the slot of a dead consumer from one lap ago.
                var index = position & _mask;
                var claimer = Sequence(state, index) == position - _capacity + 1 ? Owner(state) : QueueClaim.Free;
                if (wait.ClaimerIsGone(claimer) &&
                    Interlocked.CompareExchange(ref *(ulong*)(_slots + (index * _stride)), Pack(position, index, QueueClaim.Free), state) == state)
                {
                    continue;
                }

                wait.Pause(ref Control->NotFull, armed, claimer);
            }
        }
        finally
        {
            wait.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ClaimDequeueWaiting(out uint claimedPosition, out byte* claimedSlot, out ulong claimed)
    {
        ShmGenMetrics.CountOne(ShmGenMetrics.QueueEmptyWaits, _mapping);
        var wait = new Wait(this, Timeout.InfiniteTimeSpan, default);
        try
        {
            while (true)
            {
                var armed = wait.Parking ? QueueSignal.Arm(ref Control->NotEmpty) : 0;
                if (TryClaimDequeue(out claimedPosition, out claimedSlot, out claimed, out var position, out var state))
                {
                    return;
                }

                // As in DequeueWaiting: a dead producer's claim on the head position becomes a tombstone.
                var index = position & _mask;
                var claimer = Sequence(state, index) == position ? Owner(state) : QueueClaim.Free;
                if (wait.ClaimerIsGone(claimer) &&
                    Interlocked.CompareExchange(ref *(ulong*)(_slots + (index * _stride)), Pack(position + 1, index, QueueClaim.Tombstone), state) == state)
                {
                    continue;
                }

                wait.Pause(ref Control->NotEmpty, armed, claimer);
            }
        }
        finally
        {
            wait.Dispose();
        }
    }
}

/// <summary>
/// A producer's loan of one queue slot (see <see cref="QueueRing{T}.BeginEnqueue"/>): write <see cref="Item"/> in place,
/// <see cref="Commit"/>, then dispose. Infrastructure for generated code.
/// </summary>
/// <typeparam name="T">The item.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public unsafe ref struct QueueEnqueueSlot<T>
    where T : unmanaged
{
    private readonly byte* _slot;
    private readonly uint _position;
    private readonly ulong _claimed;
    private QueueRing<T>? _ring;

    internal QueueEnqueueSlot(QueueRing<T> ring, byte* slot, uint position, ulong claimed)
    {
        _ring = ring;
        _slot = slot;
        _position = position;
        _claimed = claimed;
    }

    /// <summary>The item in the queue's memory (its previous contents are whatever the slot held last).</summary>
    public readonly ref T Item => ref (_ring ?? throw Ended()).ItemAt(_slot);

    /// <summary>Delivers the item to consumers. Do not write <see cref="Item"/> afterwards: a consumer may be reading it.</summary>
    /// <exception cref="InvalidOperationException">Committed already, or the loan ended.</exception>
    public readonly void Commit()
    {
        if (!(_ring ?? throw Ended()).CommitLoan(_slot, _position, _claimed))
        {
            throw new InvalidOperationException("This queue slot was committed already (or its claim was taken away): commit once, before disposing.");
        }
    }

    /// <summary>Ends the loan: without <see cref="Commit"/> the slot is skipped by consumers, never delivered.</summary>
    public void Dispose()
    {
        var ring = _ring;
        _ring = null;
        ring?.EndEnqueueLoan(_slot, _position, _claimed);
    }

    private static ObjectDisposedException Ended() => new(nameof(QueueEnqueueSlot<T>), "This queue slot loan has ended.");
}

/// <summary>
/// A consumer's loan of one queue item (see <see cref="QueueRing{T}.BeginDequeue"/>): read <see cref="Item"/> in place,
/// then dispose to give the slot back to producers. Infrastructure for generated code.
/// </summary>
/// <typeparam name="T">The item.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public unsafe ref struct QueueDequeueSlot<T>
    where T : unmanaged
{
    private readonly byte* _slot;
    private readonly uint _position;
    private readonly ulong _claimed;
    private QueueRing<T>? _ring;

    internal QueueDequeueSlot(QueueRing<T> ring, byte* slot, uint position, ulong claimed)
    {
        _ring = ring;
        _slot = slot;
        _position = position;
        _claimed = claimed;
    }

    /// <summary>The item in the queue's memory; valid until <see cref="Dispose"/>.</summary>
    public readonly ref readonly T Item => ref (_ring ?? throw Ended()).ItemAt(_slot);

    /// <summary>Releases the slot to producers.</summary>
    public void Dispose()
    {
        var ring = _ring;
        _ring = null;
        ring?.EndDequeueLoan(_slot, _position, _claimed);
    }

    private static ObjectDisposedException Ended() => new(nameof(QueueDequeueSlot<T>), "This queue slot loan has ended.");
}
