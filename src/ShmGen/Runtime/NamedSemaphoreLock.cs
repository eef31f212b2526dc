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
    public static string SemaphorePath(string segmentName) => Files.ShmFile.Directory + "sem." + segmentName + ".lock";

    /// <summary>Creates the semaphore afresh for a segment this process just created (a leftover of an earlier life
    /// of the name is replaced), with exactly <paramref name="mode"/>.</summary>
    public static void* Create(string segmentName, ushort mode)
    {
        var name = SemaphoreName(segmentName);
        var semaphore = Open(name, Tmds.Linux.LibC.O_CREAT | Tmds.Linux.LibC.O_EXCL, mode);
        if (semaphore == null && Marshal.GetLastPInvokeError() == Errno.EEXIST)
        {
            Unlink(segmentName);
            semaphore = Open(name, Tmds.Linux.LibC.O_CREAT | Tmds.Linux.LibC.O_EXCL, mode);
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
        var semaphore = Open(name, Tmds.Linux.LibC.O_CREAT, mode);
        if (semaphore == null)
        {
            throw SegmentErrors.FromErrno(segmentName, "sem_open(" + name + ")", Marshal.GetLastPInvokeError());
        }

        return semaphore;
    }

    /// <summary>Takes the semaphore by <paramref name="deadline"/> (<see cref="Deadline.Never"/>: no limit).</summary>
    public static bool Acquire(void* semaphore, long deadline, string segmentName)
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

        while (true)
        {
            var remaining = Deadline.Remaining(deadline);
            if (remaining == TimeSpan.Zero)
            {
                return false;
            }

            int result;
            if (remaining == Timeout.InfiniteTimeSpan)
            {
                result = LibC.sem_wait(semaphore);
            }
            else
            {
                var absolute = LibC.MonotonicDeadline(remaining);
                result = LibC.sem_clockwait(semaphore, LibC.CLOCK_MONOTONIC, &absolute);
            }

            if (result == 0)
            {
                return true;
            }

            errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.ETIMEDOUT)
            {
                return false;
            }

            if (errno != Errno.EINTR)
            {
                throw SegmentErrors.FromErrno(segmentName, remaining == Timeout.InfiniteTimeSpan ? "sem_wait" : "sem_clockwait", errno);
            }
        }
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
