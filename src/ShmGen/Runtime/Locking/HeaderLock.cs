using System;
using System.Runtime.CompilerServices;
using System.Threading;
using ShmGen.Runtime.Files;

namespace ShmGen.Runtime.Locking;

/// <summary>The Standard format's lock: the <see cref="FutexLock"/> in the segment header's <see cref="LockBlock"/>.</summary>
internal sealed unsafe class HeaderLock : SegmentLock
{
    private readonly LockBlock* _block;

    public HeaderLock(LockBlock* block, string segmentName, FileId file)
        : base(segmentName, file)
    {
        _block = block;
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

        var held = Local.HeldByCurrentThread;
        var result = FutexLock.AcquireContended(_block, LockOwner.Self, deadline, held, disposing, SegmentName);
        if (result != LockAcquisition.TimedOut)
        {
            Local.HolderThread = Environment.CurrentManagedThreadId;
        }

        return result;
    }

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
