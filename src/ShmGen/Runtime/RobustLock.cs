using System;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime;

/// <summary>How an acquisition ended.</summary>
internal enum LockAcquisition
{
    Acquired,

    /// <summary>Acquired, but the previous holder died holding it (EOWNERDEAD): the data may be half-updated.</summary>
    AcquiredAbandoned,

    TimedOut,
}

/// <summary>
/// A glibc pthread mutex in shared memory, initialised PTHREAD_PROCESS_SHARED + PTHREAD_MUTEX_ROBUST +
/// PTHREAD_MUTEX_ERRORCHECK. Robust: when a holder dies the kernel (via the thread's robust list) marks the mutex and
/// the next locker gets EOWNERDEAD instead of waiting forever. Error-checking: relocking on the holding thread throws
/// instead of self-deadlocking, and unlocking from another thread throws. A pthread mutex must be released by the
/// thread that took it; the generated Guard is a ref struct, so it cannot cross an <c>await</c> or move threads.
/// </summary>
internal static unsafe class RobustLock
{
    public static void Initialize(void* mutex, string segmentName)
    {
        byte* attr = stackalloc byte[LibC.MutexAttrSize];
        Check(LibC.pthread_mutexattr_init(attr), segmentName, "pthread_mutexattr_init");
        try
        {
            Check(LibC.pthread_mutexattr_setpshared(attr, LibC.PTHREAD_PROCESS_SHARED), segmentName, "pthread_mutexattr_setpshared");
            Check(LibC.pthread_mutexattr_setrobust(attr, LibC.PTHREAD_MUTEX_ROBUST), segmentName, "pthread_mutexattr_setrobust");
            Check(LibC.pthread_mutexattr_settype(attr, LibC.PTHREAD_MUTEX_ERRORCHECK), segmentName, "pthread_mutexattr_settype");
            Check(LibC.pthread_mutex_init(mutex, attr), segmentName, "pthread_mutex_init");
        }
        finally
        {
            LibC.pthread_mutexattr_destroy(attr);
        }
    }

    /// <summary>Acquires within <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: no limit).</summary>
    public static LockAcquisition Acquire(void* mutex, TimeSpan timeout, string segmentName)
    {
        // Uncontended fast path: trylock never blocks, so it runs without a GC transition.
        var result = LibC.pthread_mutex_trylock(mutex);
        if (result == Errno.EBUSY)
        {
            result = Wait(mutex, timeout);
        }

        return result switch
        {
            0 => LockAcquisition.Acquired,
            Errno.EOWNERDEAD => LockAcquisition.AcquiredAbandoned,
            Errno.ETIMEDOUT or Errno.EBUSY => LockAcquisition.TimedOut,
            Errno.EDEADLK => throw SegmentErrors.LockRecursion(segmentName),
            Errno.ENOTRECOVERABLE => throw new SegmentCorruptedException(
                segmentName,
                $"The lock of shared memory segment '/{segmentName}' is not recoverable: a holder died and its repair did not " +
                "complete (OnLockAbandoned threw). Recreate the segment (Unlink, then Create).",
                result),
            _ => throw new SharedSegmentException(
                segmentName, $"pthread_mutex_lock on shared memory segment '/{segmentName}' failed: {Errno.Describe(result)}.", result),
        };
    }

    /// <summary>Marks the protected state consistent after the repair hook restored its invariants.</summary>
    public static void MarkConsistent(void* mutex, string segmentName) =>
        Check(LibC.pthread_mutex_consistent(mutex), segmentName, "pthread_mutex_consistent");

    public static void Release(void* mutex, string segmentName)
    {
        var result = LibC.pthread_mutex_unlock(mutex);
        if (result == Errno.EPERM)
        {
            throw SegmentErrors.NotLockHolder(segmentName);
        }

        Check(result, segmentName, "pthread_mutex_unlock");
    }

    /// <summary>The kernel thread id of the holder (glibc keeps it in __data.__owner at offset 8), 0 when free.</summary>
    public static int OwnerThreadId(void* mutex) => Volatile.Read(ref *((int*)mutex + 2)) & 0x3FFF_FFFF;

    private static int Wait(void* mutex, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return LibC.pthread_mutex_lock(mutex);
        }

        if (timeout <= TimeSpan.Zero)
        {
            return Errno.ETIMEDOUT;
        }

        var deadline = LibC.MonotonicDeadline(timeout);
        int result;
        do
        {
            result = LibC.pthread_mutex_clocklock(mutex, LibC.CLOCK_MONOTONIC, &deadline);
        }
        while (result == Errno.EINTR);
        return result;
    }

    private static void Check(int result, string segmentName, string call)
    {
        if (result != 0)
        {
            throw new SharedSegmentException(
                segmentName, $"{call} on shared memory segment '/{segmentName}' failed: {Errno.Describe(result)}.", result);
        }
    }
}
