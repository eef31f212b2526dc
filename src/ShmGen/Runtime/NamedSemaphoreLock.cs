using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime;

/// <summary>
/// The lock of a Raw-format segment: the POSIX named semaphore <c>/&lt;name&gt;.lock</c> (initial value 1), so a C
/// program can take the same lock with <c>sem_open</c>/<c>sem_wait</c>/<c>sem_post</c>. Unlike the Standard format's
/// robust mutex, a semaphore has no owner: a holder that dies leaves it taken, and waiters get a TimeoutException.
/// </summary>
internal static unsafe class NamedSemaphoreLock
{
    /// <summary>The semaphore's name: "/NAME.lock" (glibc keeps it at /dev/shm/sem.NAME.lock).</summary>
    public static string SemaphoreName(string segmentName) => "/" + segmentName + ".lock";

    /// <summary>Where glibc keeps that semaphore: /dev/shm/sem.NAME.lock.</summary>
    public static string SemaphorePath(string segmentName) => SegmentMapping.ShmDirectory + "sem." + segmentName + ".lock";

    /// <summary>Creates the semaphore afresh for a segment this process just created (a leftover of an earlier life
    /// of the name is replaced), with exactly <paramref name="mode"/>.</summary>
    public static void* Create(string segmentName, ushort mode)
    {
        var name = SemaphoreName(segmentName);
        var semaphore = Open(name, LibC.O_CREAT | LibC.O_EXCL, mode);
        if (semaphore == null && Marshal.GetLastPInvokeError() == Errno.EEXIST)
        {
            Unlink(segmentName);
            semaphore = Open(name, LibC.O_CREAT | LibC.O_EXCL, mode);
        }

        if (semaphore == null)
        {
            throw SegmentErrors.FromErrno(segmentName, "sem_open(" + name + ")", Marshal.GetLastPInvokeError());
        }

        // sem_open applies the umask; the mode must be exact, as for the segment.
        var path = Encoding.UTF8.GetBytes(SemaphorePath(segmentName) + "\0");
        fixed (byte* p = path)
        {
            if (Tmds.Linux.LibC.chmod(p, mode) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                LibC.sem_close(semaphore);
                Unlink(segmentName);
                throw SegmentErrors.FromErrno(segmentName, "chmod(" + name + ")", errno);
            }
        }

        return semaphore;
    }

    /// <summary>Opens the semaphore of an existing segment, creating it (value 1) if its C creator did not.</summary>
    public static void* Attach(string segmentName, ushort mode)
    {
        var name = SemaphoreName(segmentName);
        var semaphore = Open(name, LibC.O_CREAT, mode);
        if (semaphore == null)
        {
            throw SegmentErrors.FromErrno(segmentName, "sem_open(" + name + ")", Marshal.GetLastPInvokeError());
        }

        return semaphore;
    }

    public static bool Acquire(void* semaphore, TimeSpan timeout, string segmentName)
    {
        if (LibC.sem_trywait(semaphore) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno != Errno.EAGAIN)
        {
            throw SegmentErrors.FromErrno(segmentName, "sem_trywait", errno);
        }

        if (timeout == Timeout.InfiniteTimeSpan)
        {
            while (LibC.sem_wait(semaphore) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                {
                    throw SegmentErrors.FromErrno(segmentName, "sem_wait", errno);
                }
            }

            return true;
        }

        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }

        var deadline = LibC.MonotonicDeadline(timeout);
        while (LibC.sem_clockwait(semaphore, LibC.CLOCK_MONOTONIC, &deadline) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ETIMEDOUT)
            {
                return false;
            }

            if (errno != Errno.EINTR)
            {
                throw SegmentErrors.FromErrno(segmentName, "sem_clockwait", errno);
            }
        }

        return true;
    }

    public static void Release(void* semaphore, string segmentName)
    {
        if (LibC.sem_post(semaphore) != 0)
        {
            throw SegmentErrors.FromErrno(segmentName, "sem_post", Marshal.GetLastPInvokeError());
        }
    }

    public static void Close(void* semaphore) => LibC.sem_close(semaphore);

    /// <summary>Removes the semaphore's name; false when there was none.</summary>
    public static bool Unlink(string segmentName) => LibC.sem_unlink(SemaphoreName(segmentName)) == 0;

    private static void* Open(string name, int flags, ushort mode)
    {
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* p = bytes)
        {
            return LibC.sem_open(p, flags, mode, 1);
        }
    }
}
