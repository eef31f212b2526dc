using System;
using System.Runtime.InteropServices;
using System.Threading;
using ShmGen.Runtime.Files;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// The Raw format's lock: the POSIX named semaphore <c>/NAME.lock</c> (its file checked and mapped by
/// <see cref="NamedSemaphoreLock"/>), so a C peer takes the same lock with sem_open/sem_wait/sem_post. A semaphore has no owner: a holder that dies leaves it taken (waiters time out), and
/// recursion on one thread is caught here, from this process's own record, since the semaphore cannot tell.
/// </summary>
internal sealed unsafe class SemaphoreLock : SegmentLock
{
    private readonly SemaphoreHandle _semaphore;

    public SemaphoreLock(SemaphoreHandle semaphore, string segmentName, FileId file)
        : base(segmentName, file)
    {
        _semaphore = semaphore;
    }

    public override LockAcquisition Acquire(long deadline, Func<bool> disposing)
    {
        if (Local.HeldByCurrentThread)
        {
            throw SegmentErrors.LockRecursion(SegmentName);
        }

        var added = false;
        _semaphore.DangerousAddRef(ref added);
        try
        {
            if (!NamedSemaphoreLock.Acquire((void*)_semaphore.DangerousGetHandle(), deadline, SegmentName))
            {
                return LockAcquisition.TimedOut;
            }
        }
        finally
        {
            _semaphore.DangerousRelease();
        }

        Local.HolderThread = Environment.CurrentManagedThreadId;
        return LockAcquisition.Acquired;
    }

    public override void Release()
    {
        if (!Local.HeldByCurrentThread)
        {
            throw SegmentErrors.NotLockHolder(SegmentName);
        }

        Local.HolderThread = 0;
        NamedSemaphoreLock.Release((void*)_semaphore.DangerousGetHandle(), SegmentName);
    }

    public override void ReleaseUnrepaired() => Release();

    /// <summary>Removes the semaphore's name while it still names the file this lock maps.</summary>
    public bool UnlinkSemaphore() => NamedSemaphoreLock.Unlink(SegmentName, _semaphore);

    public override string DescribeHolder() =>
        $" (the named semaphore {NamedSemaphoreLock.SemaphoreName(SegmentName)}; a holder that died leaves it taken)";

    public override void Dispose()
    {
        _semaphore.Dispose();
        base.Dispose();
    }
}

/// <summary>Owns the mapping of a Raw lock's semaphore file: unmaps it exactly once, after the last user.</summary>
internal sealed class SemaphoreHandle : SafeHandle
{
    public SemaphoreHandle(IntPtr semaphore, FileId file)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(semaphore);
        File = file;
    }

    /// <summary>The semaphore file that is mapped, for removing its name only while it still names this file.</summary>
    public FileId File { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override unsafe bool ReleaseHandle()
    {
        ShmFile.Unmap((byte*)handle, NamedSemaphoreLock.SemaphoreSize);
        return true;
    }
}
