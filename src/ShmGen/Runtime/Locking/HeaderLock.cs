using System;
using System.Runtime.CompilerServices;
using System.Globalization;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ShmGen.Runtime.Files;

namespace ShmGen.Runtime.Locking;

/// <summary>The Standard format's lock: the <see cref="FutexLock"/> in the segment header's <see cref="LockBlock"/>.</summary>
internal sealed unsafe class HeaderLock : SegmentLock
{
    private readonly LockBlock* _block;
    private readonly SafeFileHandle? _sizeWatch;
    private readonly long _expectedSize;

    /// <param name="block">The lock block in the mapped header.</param>
    /// <param name="segmentName">For messages.</param>
    /// <param name="file">The file's identity.</param>
    /// <param name="sizeWatch">A named segment's descriptor, owned from here on: the contended path fstats it to notice a
    /// peer that cut the file shorter (docs/architecture.md, "A file cut shorter"). Null for a sealed memfd, which cannot
    /// shrink.</param>
    /// <param name="expectedSize">The file size the header says.</param>
    public HeaderLock(LockBlock* block, string segmentName, FileId file, SafeFileHandle? sizeWatch = null, long expectedSize = 0)
        : base(segmentName, file)
    {
        _block = block;
        _sizeWatch = sizeWatch;
        _expectedSize = expectedSize;
    }

    public LockBlock* Block => _block;

    /// <summary>The uncontended acquisition: one CAS and one local store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAcquireFast() => TryAcquireFast(GuardHazards.Current);

    /// <inheritdoc cref="TryAcquireFast()"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAcquireFast(GuardHazards thread)
    {
        if (FutexLock.TryAcquireFast(_block, thread.Identity))
        {
            Local.HolderThread = thread.ManagedThreadId;
            return true;
        }

        return false;
    }

    public override LockAcquisition Acquire(long deadline, Func<bool> disposing)
    {
        if (TryAcquireFast())
        {
            return LockAcquisition.Acquired;
        }

        // Off the fast path, so a syscall is affordable: before waiting, and again after taking over a dead holder's lock
        // (whose repair hook is about to touch the data), make sure the data is still there.
        ThrowIfCut();
        var held = Local.HeldByCurrentThread;
        var waitStarted = ShmGenMetrics.LockWaitStarting();
        var result = FutexLock.AcquireContended(_block, LockOwner.Self, deadline, held, disposing, SegmentName);
        ShmGenMetrics.LockWaitEnded(SegmentName, waitStarted, result);
        if (result == LockAcquisition.AcquiredAbandoned && CutSize() is { } size)
        {
            // Every later Lock must refuse it too, not find a free lock and touch the missing pages.
            FutexLock.MarkNotRecoverable(_block, LockOwner.Self);
            throw Cut(size);
        }

        if (result != LockAcquisition.TimedOut)
        {
            Local.HolderThread = Environment.CurrentManagedThreadId;
        }

        return result;
    }

    public override void Dispose()
    {
        base.Dispose();
        _sizeWatch?.Dispose();
    }

    private void ThrowIfCut()
    {
        if (CutSize() is { } size)
        {
            throw Cut(size);
        }
    }

    /// <summary>The file's size when it is shorter than the header says; null while it is whole (or unwatched).</summary>
    private long? CutSize()
    {
        if (_sizeWatch is null)
        {
            return null;
        }

        var size = (long)ShmFile.Stat(_sizeWatch, SegmentName).st_size;
        return size < _expectedSize ? size : null;
    }

    private SegmentCorruptedException Cut(long size) => new(
        SegmentName,
        string.Create(
            CultureInfo.InvariantCulture,
            $"Shared memory segment '/{SegmentName}' is {size} bytes, but its header says {_expectedSize}: a process that can write it cut it shorter " +
            $"(ftruncate) while it was mapped. Its data is gone; touching it would be a SIGBUS. Lock refused it."));

    public override void Release() => Release(GuardHazards.Current);

    /// <inheritdoc cref="Release()"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Release(GuardHazards thread)
    {
        // A Guard is a ref struct, so the releasing thread is the one that locked. The word is released only if it still
        // names this thread: if a peer rewrote it meanwhile, the lock is no longer ours and nothing is written.
        if (Local.HolderThread == thread.ManagedThreadId)
        {
            Local.HolderThread = 0;
        }

        FutexLock.Release(_block, thread.Identity);
    }

    public override void ReleaseUnrepaired()
    {
        Local.HolderThread = 0;
        FutexLock.MarkNotRecoverable(_block, LockOwner.Self);
    }

    public override string DescribeHolder()
    {
        var owner = FutexLock.Owner(_block);
        if (owner == 0)
        {
            return string.Empty;
        }

        return owner == LockOwner.NotRecoverable
            ? " (the lock is not recoverable)"
            : $" (held by thread {LockOwner.ThreadId(owner)})";
    }

    /// <summary>Releases for <c>Guard.Wait</c>; the caller re-acquires with <see cref="Acquire"/>.</summary>
    public void ReleaseForWait() => Release();

    /// <summary>The condition word's address.</summary>
    public int* Condition => &_block->Condition;

    /// <summary>The sequence word a snapshot reader checks.</summary>
    public ref uint Sequence => ref _block->Sequence;

    /// <summary>Whether <see cref="Acquire"/> would find the lock free right now (tests and tools).</summary>
    public bool IsFree => Volatile.Read(ref _block->Word) == 0;
}
