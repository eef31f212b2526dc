using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Runtime;

/// <summary>
/// A bounded multi-producer/multi-consumer queue of <typeparamref name="T"/> in one named shared memory segment, for any
/// number of processes: Vyukov's ring with a sequence number per slot, items copied in and out by value, waits that
/// spin briefly and then park on a process-shared futex. Every generated <c>{Item}Queue</c> delegates here.
/// Infrastructure for generated code.
/// </summary>
/// <remarks>
/// <para><b>Ordering.</b> Items leave in the order their producers claimed positions: one producer's items reach any one
/// consumer in the order that producer enqueued them; with one consumer, the queue is FIFO per producer.</para>
/// <para><b>Claims.</b> A producer claims a position by a CAS on the slot's state word that records its process (pid and
/// start time), advances the shared position, copies the item in, and publishes with a second CAS; a consumer does the
/// same the other way. Because the claim names its process, a claim can always be traced to a live or dead process.</para>
/// <para><b>Crash semantics (SIGKILL at any instruction).</b> A killed process never wedges the others, and loses at
/// most the one item its own call was moving:
/// <list type="bullet">
/// <item>A producer killed inside <c>Enqueue</c> after claiming its slot and before publishing it loses that item
/// (the call never returned). Consumers reaching the position park, check the claimer every 10 ms, find it gone (no
/// such pid, a zombie, or the pid now held by a process with another start time), replace the claim with a tombstone
/// and skip it; items behind it keep their order. Killed earlier, the item was never in the queue; killed later, it
/// was published and will be delivered.</item>
/// <item>A consumer killed inside <c>Dequeue</c> after claiming its slot loses that item (nobody who survived received
/// it). If it had not released the slot yet, the producer that next needs the slot finds the claimer gone and frees
/// it. Killed before claiming, the item stays in the queue for the other consumers.</item>
/// <item>A process killed after publishing or releasing but before waking the other side's parked waiters: nothing is
/// lost; parked waiters re-check on their own every <see cref="QueueTestSwitches.DefaultParkRecheck"/> (250 ms), so the
/// delay is bounded. Killed while spinning or parked: nothing is lost.</item>
/// </list>
/// No item is ever delivered twice or torn: a slot is written or read only under its claim, and every publish and
/// release is a CAS that fails if the claim was taken away. Liveness is judged by pid, so every process sharing a queue
/// must be in one pid namespace (a container sharing /dev/shm with the host must share its pids too).</para>
/// <para><b>Timeouts and cancellation</b> are observed only while waiting, never inside a claim, so a call that times
/// out or is cancelled has not changed the queue.</para>
/// </remarks>
/// <typeparam name="T">The item: an unmanaged struct whose layout the generator computed.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe partial class QueueRing<T> : IDisposable, IObservedQueue
    where T : unmanaged
{
    // How often a waiter blocked on another process's claim checks that the claimer still lives.
    private static readonly long s_claimPollTicks = Stopwatch.Frequency / 100;

    private readonly SegmentMapping _mapping;
    private readonly QueueDefinition _definition;
    private readonly uint _mask;
    private readonly uint _capacity;
    private readonly nint _stride;
    private readonly nint _itemOffset;
    private readonly QueueControl* _control;
    private readonly byte* _slots;

    // An attempt that keeps losing races (or meets words a peer keeps rewriting) gives up after this many rounds, so the
    // caller's deadline is checked: no loop over shared state runs unbounded.
    private const int MaxAttemptRounds = 1024;

    private QueueRing(SegmentMapping mapping, QueueDefinition definition)
    {
        _mapping = mapping;
        _definition = definition;
        _capacity = (uint)definition.Capacity;
        _mask = _capacity - 1;
        _stride = definition.SlotStride;
        _itemOffset = definition.ItemOffset;
        _control = (QueueControl*)mapping.Payload;
        _slots = mapping.Payload + QueueControl.Size;

        // The hot paths are compiled fully optimized on first call (AggressiveOptimization: a queue is often busy for
        // less time than tiered compilation takes to promote them). Initializing the test switches first lets the JIT
        // fold them away as the constants they are, and this process's claim likewise.
        RuntimeHelpers.RunClassConstructor(typeof(QueueTestSwitches).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(QueueClaim).TypeHandle);
        ShmGenMetrics.TrackQueue(this);
    }

    /// <summary>The POSIX name without the leading '/'.</summary>
    public string Name => _mapping.Name;

    /// <summary>Whether this instance created the queue's segment.</summary>
    public bool IsCreator => _mapping.IsCreator;

    /// <summary>How many items the queue holds.</summary>
    public int Capacity => (int)_capacity;

    /// <summary>
    /// How many items are in the queue (including ones being copied in or out, and skipped positions of dead producers),
    /// from 0 to <see cref="Capacity"/>. A snapshot: other processes change it at any time.
    /// </summary>
    public int Count
    {
        get
        {
            _mapping.AddReference();
            try
            {
                var control = Control;
                var dequeue = Volatile.Read(ref control->DequeuePosition);
                var enqueue = Volatile.Read(ref control->EnqueuePosition);
                var count = (int)(enqueue - dequeue);
                return count < 0 ? 0 : Math.Min(count, (int)_capacity);
            }
            finally
            {
                _mapping.ReleaseReference();
            }
        }
    }

    /// <summary>Creates the queue's segment; fails with <see cref="SegmentAlreadyExistsException"/> if the name exists.</summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">Name and mode overriding the attribute's.</param>
    public static QueueRing<T> Create(QueueDefinition definition, SegmentOptions? options)
    {
        Verify(definition);
        return new QueueRing<T>(SegmentMapping.Create(definition.Segment, options, payload => InitializeControl(payload, definition)), definition);
    }

    /// <summary>
    /// Attaches to an existing queue after validating the segment (owner, mode, size, header, fingerprint) and the
    /// queue's control block: a queue created with another capacity is a <see cref="SegmentLayoutMismatchException"/>.
    /// </summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">Name, mode and open timeout overriding the attribute's.</param>
    public static QueueRing<T> Open(QueueDefinition definition, SegmentOptions? options)
    {
        Verify(definition);
        return Attached(SegmentMapping.Open(definition.Segment, options), definition);
    }

    /// <summary>Creates the queue or attaches to it; between racing processes exactly one creates it.</summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">Name, mode and open timeout overriding the attribute's.</param>
    public static QueueRing<T> OpenOrCreate(QueueDefinition definition, SegmentOptions? options)
    {
        Verify(definition);
        var mapping = SegmentMapping.OpenOrCreate(definition.Segment, options, payload => InitializeControl(payload, definition));
        return mapping.IsCreator ? new QueueRing<T>(mapping, definition) : Attached(mapping, definition);
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">The name to remove, if not the attribute's.</param>
    public static bool TryUnlink(QueueDefinition definition, SegmentOptions? options) => SegmentMapping.TryUnlink(definition.Segment, options);

    /// <summary>Creates an anonymous sealed queue (a memfd no holder can shrink or grow), to pass with <see cref="SendTo"/>.</summary>
    public static QueueRing<T> CreateAnonymous(QueueDefinition definition, SegmentOptions? options)
    {
        Verify(definition);
        return new QueueRing<T>(SegmentMapping.CreateAnonymous(definition.Segment, options, payload => InitializeControl(payload, definition)), definition);
    }

    /// <summary>Receives an anonymous sealed queue sent with <see cref="SendTo"/>, checked before it is mapped.</summary>
    public static QueueRing<T> ReceiveFrom(QueueDefinition definition, System.Net.Sockets.Socket socket, SegmentOptions? options)
    {
        Verify(definition);
        return Attached(SegmentMapping.ReceiveFrom(definition.Segment, socket, options), definition);
    }

    /// <summary>Passes this anonymous queue's descriptor over a Unix domain socket (SCM_RIGHTS).</summary>
    public void SendTo(System.Net.Sockets.Socket socket) => _mapping.SendTo(socket);

    /// <summary>Adds <paramref name="item"/>, waiting while the queue is full.</summary>
    /// <param name="item">Copied into the queue.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Enqueue(in T item)
    {
        var thread = _mapping.EnterGuard();
        try
        {
            if (!TryEnqueueOnce(in item, out _, out _))
            {
                EnqueueWaiting(in item, Timeout.InfiniteTimeSpan, default);
            }
        }
        finally
        {
            _mapping.ExitGuard(thread);
        }
    }

    /// <summary>Adds <paramref name="item"/>, waiting while the queue is full, until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="item">Copied into the queue.</param>
    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled before the item was added.</exception>
    public void Enqueue(in T item, CancellationToken cancellationToken) => TryEnqueue(in item, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Adds <paramref name="item"/> if room appears within <paramref name="timeout"/>.</summary>
    /// <param name="item">Copied into the queue.</param>
    /// <param name="timeout">How long to wait while full; <see cref="TimeSpan.Zero"/> does not wait,
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <returns>Whether the item was added; <see langword="false"/> leaves the queue unchanged.</returns>
    public bool TryEnqueue(in T item, TimeSpan timeout) => TryEnqueue(in item, timeout, default);

    /// <summary>Adds <paramref name="item"/> if room appears within <paramref name="timeout"/>, unless cancelled.</summary>
    /// <param name="item">Copied into the queue.</param>
    /// <param name="timeout">How long to wait while full.</param>
    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
    /// <returns>Whether the item was added; <see langword="false"/> leaves the queue unchanged.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled before the item was added.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryEnqueue(in T item, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Deadline.Validate(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        var thread = _mapping.EnterGuard();
        try
        {
            return TryEnqueueOnce(in item, out _, out _) || EnqueueWaiting(in item, timeout, cancellationToken);
        }
        finally
        {
            _mapping.ExitGuard(thread);
        }
    }

    /// <summary>Removes the oldest item, waiting while the queue is empty.</summary>
    /// <returns>The item.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public T Dequeue()
    {
        var thread = _mapping.EnterGuard();
        try
        {
            if (!TryDequeueOnce(out var item, out _, out _))
            {
                DequeueWaiting(out item, Timeout.InfiniteTimeSpan, default);
            }

            return item;
        }
        finally
        {
            _mapping.ExitGuard(thread);
        }
    }

    /// <summary>Removes the oldest item, waiting while the queue is empty, until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
    /// <returns>The item.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled before an item was taken.</exception>
    public T Dequeue(CancellationToken cancellationToken)
    {
        TryDequeue(out var item, Timeout.InfiniteTimeSpan, cancellationToken);
        return item;
    }

    /// <summary>Removes the oldest item if one appears within <paramref name="timeout"/>.</summary>
    /// <param name="item">The item, or <see langword="default"/>.</param>
    /// <param name="timeout">How long to wait while empty; <see cref="TimeSpan.Zero"/> does not wait.</param>
    /// <returns>Whether an item was taken; <see langword="false"/> leaves the queue unchanged.</returns>
    public bool TryDequeue(out T item, TimeSpan timeout) => TryDequeue(out item, timeout, default);

    /// <summary>Removes the oldest item if one appears within <paramref name="timeout"/>, unless cancelled.</summary>
    /// <param name="item">The item, or <see langword="default"/>.</param>
    /// <param name="timeout">How long to wait while empty.</param>
    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
    /// <returns>Whether an item was taken; <see langword="false"/> leaves the queue unchanged.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled before an item was taken.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryDequeue(out T item, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Deadline.Validate(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        var thread = _mapping.EnterGuard();
        try
        {
            return TryDequeueOnce(out item, out _, out _) || DequeueWaiting(out item, timeout, cancellationToken);
        }
        finally
        {
            _mapping.ExitGuard(thread);
        }
    }

    /// <summary>Removes the name; every mapping stays valid until disposed.</summary>
    public void Unlink() => _mapping.Unlink();

    /// <summary>
    /// Unmaps the queue once no call on another thread uses it: calls that start afterwards throw
    /// <see cref="ObjectDisposedException"/>, and this process's blocked calls are woken to throw it too. Idempotent;
    /// never unlinks.
    /// </summary>
    public void Dispose()
    {
        if (_mapping.IsDisposeRequested)
        {
            return;
        }

        try
        {
            _mapping.AddReference();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            _mapping.Dispose();
            InterruptWaiters();
        }
        finally
        {
            _mapping.ReleaseReference();
            ShmGenMetrics.ForgetQueue(this);
        }
    }

    /// <inheritdoc/>
    bool IObservedQueue.TryReadDepth(out int depth)
    {
        try
        {
            depth = Count;
            return true;
        }
        catch (ObjectDisposedException)
        {
            depth = 0;
            return false;
        }
    }

    /// <summary>The control block; every caller holds a reference on the mapping.</summary>
    private QueueControl* Control
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _control;
    }

    /// <summary>One non-blocking attempt. On failure, reports the slot that stopped it (full, or claimed by a producer
    /// whose liveness the waiter may check).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryEnqueueOnce(in T item, out uint blockedPosition, out ulong blockedState)
    {
        var control = Control;
        var slots = _slots;
        for (var round = 0; ; round++)
        {
            if (round == MaxAttemptRounds)
            {
                blockedPosition = Volatile.Read(ref control->EnqueuePosition);
                blockedState = 0;
                return false;
            }

            var position = Volatile.Read(ref control->EnqueuePosition);
            var index = position & _mask;
            var slot = slots + (index * _stride);
            ref var state = ref *(ulong*)slot;
            var observed = Volatile.Read(ref state);
            var difference = (int)(Sequence(observed, index) - position);
            if (difference == 0)
            {
                if (Owner(observed) == QueueClaim.Free)
                {
                    var claimed = Pack(position, index, QueueClaim.Self);
                    if (Interlocked.CompareExchange(ref state, claimed, observed) == observed)
                    {
                        if (QueueTestSwitches.KillInsideClaim)
                        {
                            QueueTestSwitches.AtClaim(enqueue: true, ClaimPhase.Claimed);
                        }

                        AdvancePast(ref control->EnqueuePosition, position);
                        Unsafe.Write(slot + _itemOffset, item);
                        if (QueueTestSwitches.KillInsideClaim)
                        {
                            QueueTestSwitches.AtClaim(enqueue: true, ClaimPhase.Copied);
                        }

                        if (Interlocked.CompareExchange(ref state, Pack(position + 1, index, QueueClaim.Free), claimed) == claimed)
                        {
                            if (QueueTestSwitches.KillInsideClaim)
                            {
                                QueueTestSwitches.AtClaim(enqueue: true, ClaimPhase.Done);
                            }

                            QueueSignal.Notify(ref control->NotEmpty);
                            ShmGenMetrics.CountOne(ShmGenMetrics.QueueEnqueued, _mapping);
                            blockedPosition = 0;
                            blockedState = 0;
                            return true;
                        }

                        // Our claim was taken away: only possible if this process was judged dead (processes in different
                        // pid namespaces). The item is not in the queue; try again at a fresh position.
                    }
                }
                else
                {
                    // Claimed by another producer that has not advanced the position yet (or died before it could).
                    Interlocked.CompareExchange(ref control->EnqueuePosition, position + 1, position);
                }
            }
            else if (difference < 0)
            {
                // The slot still holds, or is releasing, the item from one lap ago: full.
                ThrowIfBeyondLap(difference, position, observed, enqueue: true);
                blockedPosition = position;
                blockedState = observed;
                return false;
            }
            else
            {
                // The position was claimed already; help it along in case its claimer died before advancing it.
                Interlocked.CompareExchange(ref control->EnqueuePosition, position + 1, position);
            }
        }
    }

    /// <summary>One non-blocking attempt (skipping tombstones). On failure, reports the slot that stopped it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryDequeueOnce(out T item, out uint blockedPosition, out ulong blockedState)
    {
        var control = Control;
        var slots = _slots;
        for (var round = 0; ; round++)
        {
            if (round == MaxAttemptRounds)
            {
                blockedPosition = Volatile.Read(ref control->DequeuePosition);
                blockedState = 0;
                item = default;
                return false;
            }

            var position = Volatile.Read(ref control->DequeuePosition);
            var index = position & _mask;
            var slot = slots + (index * _stride);
            ref var state = ref *(ulong*)slot;
            var observed = Volatile.Read(ref state);
            var difference = (int)(Sequence(observed, index) - (position + 1));
            if (difference == 0)
            {
                var owner = Owner(observed);
                if (owner is QueueClaim.Free or QueueClaim.Tombstone)
                {
                    var claimed = Pack(position + 1, index, QueueClaim.Self);
                    if (Interlocked.CompareExchange(ref state, claimed, observed) == observed)
                    {
                        if (QueueTestSwitches.KillInsideClaim && owner == QueueClaim.Free)
                        {
                            QueueTestSwitches.AtClaim(enqueue: false, ClaimPhase.Claimed);
                        }

                        AdvancePast(ref control->DequeuePosition, position);
                        var released = Pack(position + _capacity, index, QueueClaim.Free);
                        if (owner == QueueClaim.Tombstone)
                        {
                            // A dead producer's position: release it without delivering anything.
                            Interlocked.CompareExchange(ref state, released, claimed);
                            QueueSignal.Notify(ref control->NotFull);
                            continue;
                        }

                        item = Unsafe.Read<T>(slot + _itemOffset);
                        if (QueueTestSwitches.KillInsideClaim)
                        {
                            QueueTestSwitches.AtClaim(enqueue: false, ClaimPhase.Copied);
                        }

                        if (Interlocked.CompareExchange(ref state, released, claimed) == claimed)
                        {
                            if (QueueTestSwitches.KillInsideClaim)
                            {
                                QueueTestSwitches.AtClaim(enqueue: false, ClaimPhase.Done);
                            }

                            QueueSignal.Notify(ref control->NotFull);
                            ShmGenMetrics.CountOne(ShmGenMetrics.QueueDequeued, _mapping);
                            blockedPosition = 0;
                            blockedState = 0;
                            return true;
                        }

                        // Our claim was taken away (this process was judged dead): the copy may be torn, drop it.
                    }
                }
                else
                {
                    Interlocked.CompareExchange(ref control->DequeuePosition, position + 1, position);
                }
            }
            else if (difference < 0)
            {
                // Nothing published at this position yet (or a producer is still copying it in): empty.
                ThrowIfBeyondLap(difference, position, observed, enqueue: false);
                blockedPosition = position;
                blockedState = observed;
                item = default;
                return false;
            }
            else
            {
                Interlocked.CompareExchange(ref control->DequeuePosition, position + 1, position);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private bool EnqueueWaiting(in T item, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ShmGenMetrics.CountOne(ShmGenMetrics.QueueFullWaits, _mapping);
        var wait = new Wait(this, timeout, cancellationToken);
        try
        {
            while (true)
            {
                var armed = wait.Parking ? QueueSignal.Arm(ref Control->NotFull) : 0;
                if (TryEnqueueOnce(in item, out var position, out var state))
                {
                    return true;
                }

                // Producers recover the slots of dead consumers: a claim from one lap ago on the slot this position needs.
                var index = position & _mask;
                var claimer = Sequence(state, index) == position - _capacity + 1 ? Owner(state) : QueueClaim.Free;
                if (wait.ClaimerIsGone(claimer) &&
                    Interlocked.CompareExchange(ref *(ulong*)(_slots + (index * _stride)), Pack(position, index, QueueClaim.Free), state) == state)
                {
                    continue;
                }

                if (!wait.Pause(ref Control->NotFull, armed, claimer))
                {
                    return false;
                }
            }
        }
        finally
        {
            wait.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private bool DequeueWaiting(out T item, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ShmGenMetrics.CountOne(ShmGenMetrics.QueueEmptyWaits, _mapping);
        var wait = new Wait(this, timeout, cancellationToken);
        try
        {
            while (true)
            {
                var armed = wait.Parking ? QueueSignal.Arm(ref Control->NotEmpty) : 0;
                if (TryDequeueOnce(out item, out var position, out var state))
                {
                    return true;
                }

                // Consumers recover the positions of dead producers: a claim on the head position, never published.
                var index = position & _mask;
                var claimer = Sequence(state, index) == position ? Owner(state) : QueueClaim.Free;
                if (wait.ClaimerIsGone(claimer) &&
                    Interlocked.CompareExchange(ref *(ulong*)(_slots + (index * _stride)), Pack(position + 1, index, QueueClaim.Tombstone), state) == state)
                {
                    continue;
                }

                if (!wait.Pause(ref Control->NotEmpty, armed, claimer))
                {
                    return false;
                }
            }
        }
        finally
        {
            wait.Dispose();
        }
    }

    /// <summary>
    /// Moves a shared position past the slot this process just claimed, with a plain store instead of a CAS: the fast
    /// path's one locked instruction fewer per side. The positions are hints; the slots' sequence numbers and claims
    /// decide who gets a position. While this claim is unpublished (or unreleased) nobody can get a lap past it, so a
    /// store that lands after a helper already moved the position on (the helper CAS in the retry branches) sets it
    /// back by less than a lap: the next caller reads a slot that is claimed or already past that position, and helps
    /// the position forward again. Nothing is claimed twice and no position is skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AdvancePast(ref uint shared, uint position)
    {
        if (Volatile.Read(ref shared) == position)
        {
            Volatile.Write(ref shared, position + 1);
        }
    }

    /// <summary>
    /// A slot more than a lap behind the position read before it cannot occur: every position below the one read was
    /// claimed (a position only moves past a claimed slot), so the slot's sequence is at least position - capacity, and
    /// sequences only grow. Only a peer writing the words can make it; it is <see cref="SegmentCorruptedException"/>
    /// instead of a wait that no producer or consumer could ever end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfBeyondLap(int difference, uint position, ulong observed, bool enqueue)
    {
        if (difference < -(int)_capacity)
        {
            ThrowImpossibleSlot(position, observed, enqueue);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowImpossibleSlot(uint position, ulong observed, bool enqueue)
    {
        var index = position & _mask;
        throw new SegmentCorruptedException(
            Name,
            string.Create(
                CultureInfo.InvariantCulture,
                $"Queue '/{Name}' is corrupted: {(enqueue ? "Enqueue" : "Dequeue")} at position {position} found slot {index} at sequence {Sequence(observed, index)} " +
                $"(claim 0x{Owner(observed):X8}), more than a lap of {_capacity} behind; no producer or consumer writes that, so another process wrote over the queue's state."));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Sequence(ulong state, uint index) => unchecked((uint)state + index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Owner(ulong state) => (uint)(state >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pack(uint sequence, uint index, uint owner) => ((ulong)owner << 32) | unchecked(sequence - index);

    private static void Verify(QueueDefinition definition)
    {
        if (sizeof(T) != definition.ItemSize)
        {
            throw new InvalidOperationException(
                $"ShmGen computed {definition.ItemSize} bytes for {definition.Segment.TypeName} at compile time, but the runtime lays it out in " +
                $"{sizeof(T)} bytes. Please report this with the struct's declaration.");
        }

        definition.VerifyUsable();
    }

    private static void InitializeControl(byte* payload, QueueDefinition definition)
    {
        // The payload is zero-filled, which is already every slot's initial state (see QueueControl): only the geometry
        // is written, so creating even a 2^24-slot queue touches one page.
        var control = (QueueControl*)payload;
        control->Version = QueueControl.CurrentVersion;
        control->Capacity = (uint)definition.Capacity;
        control->SlotStride = (uint)definition.SlotStride;
        control->ItemOffset = (uint)definition.ItemOffset;
        control->ItemSize = (uint)definition.ItemSize;
    }

    private static QueueRing<T> Attached(SegmentMapping mapping, QueueDefinition definition)
    {
        var control = (QueueControl*)mapping.Payload;
        var name = mapping.Name;
        SharedSegmentException? problem = null;
        if (control->Capacity != (uint)definition.Capacity)
        {
            problem = new SegmentLayoutMismatchException(
                name,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Queue '/{name}' was created with capacity {control->Capacity}, but this build's {definition.Segment.TypeName} queue has capacity {definition.Capacity}."),
                definition.Segment.LayoutFingerprint,
                definition.Segment.LayoutFingerprint);
        }
        else if (control->Version != QueueControl.CurrentVersion || control->SlotStride != (uint)definition.SlotStride ||
            control->ItemOffset != (uint)definition.ItemOffset || control->ItemSize != (uint)definition.ItemSize)
        {
            problem = new SegmentCorruptedException(
                name,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Queue '/{name}' has an inconsistent control block (version {control->Version}, {control->ItemSize}-byte items at {control->ItemOffset} in {control->SlotStride}-byte slots); " +
                    $"{definition.Segment.TypeName} needs version {QueueControl.CurrentVersion}, {definition.ItemSize}-byte items at {definition.ItemOffset} in {definition.SlotStride}-byte slots."));
        }

        if (problem is not null)
        {
            mapping.Dispose();
            throw problem;
        }

        return new QueueRing<T>(mapping, definition);
    }

    private void InterruptWaiters()
    {
        // Runs on the cancelling thread; the wait that registered it unregisters (and so waits for this) before returning.
        // The caller holds a reference on the mapping (a registered wait, or Dispose).
        QueueSignal.Interrupt(ref _control->NotEmpty);
        QueueSignal.Interrupt(ref _control->NotFull);
    }

    /// <summary>The state of one blocking call: spin, then park in bounded sleeps, checking deadline, token and claimers.</summary>
    private struct Wait
    {
        private const int TightPolls = 32;

        private readonly QueueRing<T> _ring;
        private readonly long _deadline;
        private readonly CancellationToken _cancellationToken;
        private CancellationTokenRegistration _registration;
        private SpinWait _spinner;
        private int _polls;
        private long _nextClaimCheck;

        public Wait(QueueRing<T> ring, TimeSpan timeout, CancellationToken cancellationToken)
        {
            _ring = ring;
            _deadline = Deadline.After(timeout);
            _cancellationToken = cancellationToken;
        }

        /// <summary>Whether spinning is over and the next round arms the futex word before re-checking.</summary>
        public readonly bool Parking => _spinner.Count >= QueueTestSwitches.SpinIterations;

        /// <summary>
        /// Whether the process holding the claim that blocks this call is gone. Looks only once parking, at most every
        /// 10 ms: a live claimer finishes in nanoseconds unless descheduled, and reading /proc is not free.
        /// </summary>
        public bool ClaimerIsGone(uint owner)
        {
            if (!Parking || !QueueClaim.IsForeignClaim(owner))
            {
                return false;
            }

            var now = Stopwatch.GetTimestamp();
            if (now < _nextClaimCheck)
            {
                return false;
            }

            _nextClaimCheck = now + s_claimPollTicks;
            return QueueClaim.IsGone(owner);
        }

        /// <summary>Spins or sleeps once; <see langword="false"/> when the deadline passed.</summary>
        /// <param name="word">The futex word armed for this round.</param>
        /// <param name="armed">The value <see cref="QueueSignal.Arm"/> returned.</param>
        /// <param name="claimer">The claim this call waits on and must poll, or <see cref="QueueClaim.Free"/>.</param>
        public bool Pause(ref int word, int armed, uint claimer)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            _ring._mapping.ThrowIfDisposeRequested();
            var now = Stopwatch.GetTimestamp();
            if (now >= _deadline)
            {
                return false;
            }

            if (!Parking)
            {
                // First poll at a fixed short interval: a peer on another core answers within a microsecond or two,
                // and SpinWait's doubling rounds would overshoot that answer by up to a round. Not every few
                // nanoseconds either: each poll reads the line the other side is writing, and a streaming producer
                // went measurably slower under SpinWait(1) polls than under SpinWait(4). Then back off.
                if (_polls < TightPolls)
                {
                    _polls++;
                    Thread.SpinWait(4);
                }
                else
                {
                    _spinner.SpinOnce(sleep1Threshold: -1);
                }

                return true;
            }

            if (_cancellationToken.CanBeCanceled && _registration == default)
            {
                _registration = _cancellationToken.UnsafeRegister(static ring => ((QueueRing<T>)ring!).InterruptWaiters(), _ring);
                _cancellationToken.ThrowIfCancellationRequested();
            }

            // A live claimer wakes us when it finishes; a dead one never will, so poll it. Otherwise sleep until woken,
            // re-checking now and then in case a notifier died between changing the queue and waking us.
            var slice = QueueClaim.IsForeignClaim(claimer) ? TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond * 10) : QueueTestSwitches.ParkRecheck;
            if (_deadline != long.MaxValue)
            {
                var remaining = TimeSpan.FromSeconds((double)(_deadline - now) / Stopwatch.Frequency);
                if (slice == Timeout.InfiniteTimeSpan || remaining < slice)
                {
                    slice = remaining;
                }
            }

            QueueSignal.Sleep(ref word, armed, slice);
            return true;
        }

        public readonly void Dispose() => _registration.Dispose();
    }
}
