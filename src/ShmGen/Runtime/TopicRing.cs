using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Runtime;

/// <summary>
/// A publish/subscribe ring of the last <see cref="Capacity"/> items of <typeparamref name="T"/> in one named shared
/// memory segment, for any number of publisher and subscriber processes. Every generated <c>{Item}Topic</c> delegates
/// here. Infrastructure for generated code.
/// </summary>
/// <remarks>
/// <para><b>Publishing</b> never waits for a subscriber: a publisher claims the next sequence number with a fetch-add on
/// the shared counter, takes the slot (sequence number modulo capacity) with a CAS on its state word (the slot's
/// sequence lock, odd while written), copies the item in and publishes it with a second CAS, then wakes parked
/// subscribers only if one announced itself on the futex word (no system call otherwise).</para>
/// <para><b>Subscribers</b> keep their cursor in their own process and write nothing to shared memory, so any number of
/// them cost a publisher nothing. A read copies the item between two reads of the slot's state word and keeps it only
/// if both say "item s, published": a torn item is never returned. A subscriber that fell more than a capacity behind
/// skips to the oldest item still in the ring and counts what it skipped in <c>Missed</c>.</para>
/// <para><b>Holes.</b> A sequence number claimed by a publisher that then died, or that gave up its slot to a newer
/// item (publishers lapping each other), never gets published. A subscriber at such a position waits while the slot's
/// writer lives, and skips the position (counting it as missed) once later items exist and either the writer is gone
/// or <see cref="HoleGrace"/> passed without it being taken.</para>
/// <para><b>Peers.</b> Whatever a peer writes into the counter or the slots, every index is taken modulo the capacity
/// this build was compiled with, every loop is bounded and every wait keeps its deadline: a peer can make subscribers
/// miss or wait, never read or write outside the ring.</para>
/// </remarks>
/// <typeparam name="T">The item: an unmanaged struct whose layout the generator computed.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe partial class TopicRing<T> : IDisposable
    where T : unmanaged
{
    /// <summary>How long a subscriber waits at a position no live writer is filling before it skips it.</summary>
    internal static readonly long HoleGrace = Stopwatch.Frequency / 20;

    // How often a waiter checks that the writer of the slot it waits on still lives.
    private static readonly long s_claimPollTicks = Stopwatch.Frequency / 100;

    private const int MaxAttemptRounds = 1024;

    // A publisher that finds its slot still being written by an older item's publisher waits this many polls for it.
    private const int WriterPolls = 256;

    private readonly SegmentMapping _mapping;
    private readonly long _mask;
    private readonly int _capacity;
    private readonly nint _stride;
    private readonly nint _itemOffset;
    private readonly TopicControl* _control;
    private readonly byte* _slots;

    private TopicRing(SegmentMapping mapping, TopicDefinition definition)
    {
        _mapping = mapping;
        _capacity = definition.Capacity;
        _mask = _capacity - 1;
        _stride = definition.SlotStride;
        _itemOffset = definition.ItemOffset;
        _control = (TopicControl*)mapping.Payload;
        _slots = mapping.Payload + TopicControl.Size;
        RuntimeHelpers.RunClassConstructor(typeof(QueueTestSwitches).TypeHandle);
        RuntimeHelpers.RunClassConstructor(typeof(QueueClaim).TypeHandle);
    }

    /// <summary>The POSIX name without the leading '/'.</summary>
    public string Name => _mapping.Name;

    /// <summary>Whether this instance created the topic's segment.</summary>
    public bool IsCreator => _mapping.IsCreator;

    /// <summary>How many of the latest items the ring keeps.</summary>
    public int Capacity => _capacity;

    internal SegmentMapping Mapping => _mapping;

    /// <summary>Creates the topic's segment; fails with <see cref="SegmentAlreadyExistsException"/> if the name exists.</summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">Name and mode overriding the attribute's.</param>
    public static TopicRing<T> Create(TopicDefinition definition, SegmentOptions? options)
    {
        Verify(definition);
        return new TopicRing<T>(SegmentMapping.Create(definition.Segment, options, payload => InitializeControl(payload, definition)), definition);
    }

    /// <summary>Attaches to an existing topic after validating the segment and the topic's control block.</summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">Name, mode and open timeout overriding the attribute's.</param>
    public static TopicRing<T> Open(TopicDefinition definition, SegmentOptions? options)
    {
        Verify(definition);
        return Attached(SegmentMapping.Open(definition.Segment, options), definition);
    }

    /// <summary>Creates the topic or attaches to it; between racing processes exactly one creates it.</summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">Name, mode and open timeout overriding the attribute's.</param>
    public static TopicRing<T> OpenOrCreate(TopicDefinition definition, SegmentOptions? options)
    {
        Verify(definition);
        var mapping = SegmentMapping.OpenOrCreate(definition.Segment, options, payload => InitializeControl(payload, definition));
        return mapping.IsCreator ? new TopicRing<T>(mapping, definition) : Attached(mapping, definition);
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    /// <param name="definition">The generated type's definition.</param>
    /// <param name="options">The name to remove, if not the attribute's.</param>
    public static bool TryUnlink(TopicDefinition definition, SegmentOptions? options) => SegmentMapping.TryUnlink(definition.Segment, options);

    /// <summary>
    /// Publishes a copy of <paramref name="item"/> without waiting for anyone: it overwrites the oldest item in the ring.
    /// </summary>
    /// <param name="item">Copied into the ring.</param>
    /// <returns>The item's sequence number (the number of items published before it).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Publish(in T item)
    {
        var thread = _mapping.EnterGuard();
        try
        {
            var control = _control;
            var sequence = Interlocked.Increment(ref control->NextSequence) - 1;
            var slot = _slots + ((sequence & _mask) * _stride);
            ref var state = ref *(ulong*)slot;
            var writing = unchecked((uint)(sequence * 2) + 1);
            var claimed = ((ulong)QueueClaim.Self << 32) | writing;
            for (var poll = 0; poll < MaxAttemptRounds; poll++)
            {
                var observed = Volatile.Read(ref state);
                var low = (uint)observed;
                if (unchecked((int)(low - writing)) >= 0)
                {
                    // A newer item already took the slot: ours would be overwritten at once; subscribers skip it.
                    break;
                }

                var takeOver = false;
                if ((low & 1) != 0)
                {
                    // An older item is still being written here (its publisher lags a whole lap, or died mid-copy).
                    if (poll < WriterPolls)
                    {
                        Thread.SpinWait(8);
                        continue;
                    }

                    takeOver = QueueClaim.IsForeignClaim((uint)(observed >> 32)) && QueueClaim.IsGone((uint)(observed >> 32));
                    if (!takeOver)
                    {
                        break;
                    }
                }

                if (Interlocked.CompareExchange(ref state, claimed, observed) == observed)
                {
                    Unsafe.Write(slot + _itemOffset, item);
                    Interlocked.CompareExchange(ref state, PublishedState(sequence), claimed);
                    break;
                }
            }

            // The CAS (or the fetch-add, when the item was given up) fences the change before the read of the word.
            QueueSignal.Notify(ref control->Published);
            ShmGenMetrics.CountOne(ShmGenMetrics.TopicPublished, _mapping);
            return sequence;
        }
        finally
        {
            _mapping.ExitGuard(thread);
        }
    }

    /// <summary>A subscriber that sees every item published from now on (while it keeps up).</summary>
    /// <returns>The subscriber; it keeps its position in this process only.</returns>
    public TopicSubscriber<T> Subscribe()
    {
        _mapping.AddReference();
        try
        {
            return new TopicSubscriber<T>(this, Volatile.Read(ref _control->NextSequence));
        }
        finally
        {
            _mapping.ReleaseReference();
        }
    }

    /// <summary>The sequence number the next published item gets (a snapshot).</summary>
    public long NextSequence
    {
        get
        {
            _mapping.AddReference();
            try
            {
                return Volatile.Read(ref _control->NextSequence);
            }
            finally
            {
                _mapping.ReleaseReference();
            }
        }
    }

    /// <summary>Removes the name; every mapping stays valid until disposed.</summary>
    public void Unlink() => _mapping.Unlink();

    /// <summary>
    /// Unmaps the topic once no call on another thread uses it: calls that start afterwards throw
    /// <see cref="ObjectDisposedException"/>, and this process's waiting receives are woken to throw it too. Idempotent;
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
        }
    }

    /// <summary>Wakes every parked receive of this process (cancellation, disposal); the caller holds a reference.</summary>
    internal void InterruptWaiters() => QueueSignal.Interrupt(ref _control->Published);

    /// <summary>
    /// One non-blocking read at <paramref name="cursor"/>; the caller holds a reference on the mapping. Moves the cursor
    /// past what it delivers or skips and counts skipped items in <paramref name="missed"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ReadResult TryRead(ref long cursor, ref long missed, ref long holeSince, ref long nextClaimCheck, out T item)
    {
        if (TryReadPublished(ref cursor, out item))
        {
            holeSince = 0;
            return ReadResult.Received;
        }

        var control = _control;
        for (var round = 0; round < MaxAttemptRounds; round++)
        {
            var next = Volatile.Read(ref control->NextSequence);
            var behind = unchecked(next - cursor);
            if (behind <= 0)
            {
                item = default;
                return ReadResult.Empty;
            }

            if (behind > _capacity)
            {
                // Overwritten before we read them. Not to the oldest item still in the ring: that slot is the very next a
                // busy publisher overwrites, so a reader starting there loses every race and never catches up.
                SkipLapped(next, ref cursor, ref missed, ref holeSince);
            }

            var slot = _slots + ((cursor & _mask) * _stride);
            ref var state = ref *(ulong*)slot;
            var published = unchecked((uint)(cursor * 2) + 2);
            var before = Volatile.Read(ref state);
            if (before == PublishedState(cursor))
            {
                item = Unsafe.Read<T>(slot + _itemOffset);

                // The copy's loads must complete before the second read of the state word.
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref state) == before)
                {
                    cursor++;
                    holeSince = 0;
                    return ReadResult.Received;
                }

                continue;
            }

            var low = (uint)before;
            if (unchecked((int)(low - published)) > 0)
            {
                // A newer item took the slot: ours was overwritten, so we are at the publishers' overwrite front.
                SkipLapped(Volatile.Read(ref control->NextSequence), ref cursor, ref missed, ref holeSince);
                continue;
            }

            // Not written yet. Wait while its writer lives; skip once later items exist and the writer is gone or never came.
            if (behind == 1)
            {
                item = default;
                return ReadResult.Empty;
            }

            var now = Stopwatch.GetTimestamp();
            if (holeSince == 0)
            {
                holeSince = now;
            }

            var owner = (uint)(before >> 32);
            var beingWritten = low == published - 1u;
            var writerGone = false;
            if (beingWritten && QueueClaim.IsForeignClaim(owner) && now >= nextClaimCheck)
            {
                nextClaimCheck = now + s_claimPollTicks;
                writerGone = QueueClaim.IsGone(owner);
            }

            if (writerGone || (!beingWritten && now - holeSince >= HoleGrace) || owner == QueueClaim.Tombstone)
            {
                ShmGenMetrics.CountOne(ShmGenMetrics.TopicMissed, _mapping);
                missed++;
                cursor++;
                holeSince = 0;
                continue;
            }

            item = default;
            return ReadResult.Hole;
        }

        item = default;
        return ReadResult.Busy;
    }

    /// <summary>
    /// The fast read: the cursor's slot alone, taken only when its state word says "item <paramref name="cursor"/>,
    /// published" before and after the copy. It leaves the publishers' sequence counter alone, so a subscriber that keeps
    /// up never pulls that cache line away from them; anything else (nothing yet, a hole, an overrun) is for
    /// <see cref="TryRead"/>. The caller holds a reference on the mapping.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryReadPublished(ref long cursor, out T item)
    {
        var slot = _slots + ((cursor & _mask) * _stride);
        ref var state = ref *(ulong*)slot;
        var expected = PublishedState(cursor);
        if (Volatile.Read(ref state) == expected)
        {
            item = Unsafe.Read<T>(slot + _itemOffset);

            // The copy's loads must complete before the second read of the state word.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref state) == expected)
            {
                cursor++;
                return true;
            }
        }

        item = default;
        return false;
    }

    /// <summary>Whether an item at or after <paramref name="cursor"/> has been claimed; the caller holds a reference.</summary>
    internal bool HasPublishedPast(long cursor) => unchecked(Volatile.Read(ref _control->NextSequence) - cursor) > 0;

    /// <summary>
    /// A published slot's state word: 2 x (sequence + 1) in all 64 bits. The low half is the per-slot sequence lock
    /// (odd while written, the writer's claim in the high half then); the high half of a published word carries the
    /// sequence's upper bits, so an item 2^31 sequences later in the same slot can never pass for this one, however long
    /// a subscriber pauses between two reads (see docs/architecture.md, "Topics").
    /// </summary>
    private static ulong PublishedState(long sequence) => unchecked((ulong)(sequence + 1) << 1);

    /// <summary>
    /// Moves a lapped reader to half a ring behind <paramref name="next"/> (the newest item for a ring of one), counting
    /// what it passes over as missed: the half ring is its headroom to copy items before publishers come round again.
    /// </summary>
    private void SkipLapped(long next, ref long cursor, ref long missed, ref long holeSince)
    {
        var target = unchecked(next - Math.Max(1, _capacity / 2));
        var skipped = 1L;
        if (unchecked(target - cursor) > 0)
        {
            skipped = unchecked(target - cursor);
            cursor = target;
        }
        else
        {
            // Closer than half a ring to the newest (or a peer rewrote NextSequence backwards): pass this slot only.
            cursor++;
        }

        missed += skipped;
        ShmGenMetrics.Count(ShmGenMetrics.TopicMissed, skipped, _mapping.Name);

        holeSince = 0;
    }

    /// <summary>Parks the calling thread until a publisher notifies, the slice runs out, or an interrupt.</summary>
    internal void Sleep(int armed, TimeSpan slice) => QueueSignal.Sleep(ref _control->Published, armed, slice);

    /// <summary>Announces a parked waiter; returns the value to sleep on.</summary>
    internal int Arm() => QueueSignal.Arm(ref _control->Published);

    private static void Verify(TopicDefinition definition)
    {
        if (sizeof(T) != definition.ItemSize)
        {
            throw new InvalidOperationException(
                $"ShmGen computed {definition.ItemSize} bytes for {definition.Segment.TypeName} at compile time, but the runtime lays it out in " +
                $"{sizeof(T)} bytes. Please report this with the struct's declaration.");
        }

        definition.VerifyUsable();
    }

    private static void InitializeControl(byte* payload, TopicDefinition definition)
    {
        // Zero-filled slots are already "nothing written": only the geometry is stored.
        var control = (TopicControl*)payload;
        control->Version = TopicControl.CurrentVersion;
        control->Capacity = (uint)definition.Capacity;
        control->SlotStride = (uint)definition.SlotStride;
        control->ItemOffset = (uint)definition.ItemOffset;
        control->ItemSize = (uint)definition.ItemSize;
    }

    private static TopicRing<T> Attached(SegmentMapping mapping, TopicDefinition definition)
    {
        var control = (TopicControl*)mapping.Payload;
        var name = mapping.Name;
        SharedSegmentException? problem = null;
        if (control->Capacity != (uint)definition.Capacity)
        {
            problem = new SegmentLayoutMismatchException(
                name,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Topic '/{name}' was created with capacity {control->Capacity}, but this build's {definition.Segment.TypeName} topic has capacity {definition.Capacity}."),
                definition.Segment.LayoutFingerprint,
                definition.Segment.LayoutFingerprint);
        }
        else if (control->Version != TopicControl.CurrentVersion || control->SlotStride != (uint)definition.SlotStride ||
            control->ItemOffset != (uint)definition.ItemOffset || control->ItemSize != (uint)definition.ItemSize)
        {
            problem = new SegmentCorruptedException(
                name,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Topic '/{name}' has an inconsistent control block (version {control->Version}, {control->ItemSize}-byte items at {control->ItemOffset} in {control->SlotStride}-byte slots); " +
                    $"{definition.Segment.TypeName} needs version {TopicControl.CurrentVersion}, {definition.ItemSize}-byte items at {definition.ItemOffset} in {definition.SlotStride}-byte slots."));
        }

        if (problem is not null)
        {
            mapping.Dispose();
            throw problem;
        }

        return new TopicRing<T>(mapping, definition);
    }

    /// <summary>What one non-blocking read found.</summary>
    internal enum ReadResult
    {
        /// <summary>An item was copied out.</summary>
        Received,

        /// <summary>Nothing published past the cursor yet.</summary>
        Empty,

        /// <summary>The cursor's item is not written yet but later ones are: wait a little, it may be skipped.</summary>
        Hole,

        /// <summary>The attempt kept losing races (or met words a peer keeps rewriting): try again after a pause.</summary>
        Busy,
    }
}
