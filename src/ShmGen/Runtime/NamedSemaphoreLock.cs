using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ShmGen.Native;
using ShmGen.Runtime.Files;
using ShmGen.Runtime.Locking;
using static Tmds.Linux.LibC;

namespace ShmGen.Runtime;

/// <summary>
/// The lock of a Raw-format segment: the POSIX named semaphore <c>/&lt;name&gt;.lock</c> (initial value 1), so a C
/// program can take the same lock with <c>sem_open</c>/<c>sem_wait</c>/<c>sem_post</c>. Unlike the Standard format's
/// robust mutex, a semaphore has no owner: a holder that dies leaves it taken, and waiters get a TimeoutException.
/// </summary>
/// <remarks>
/// glibc's sem_open is an mmap of /dev/shm/sem.NAME.lock that opens with O_CREAT and never looks at the file's owner,
/// mode or size, so another user who planted the file could make Lock fault (an empty file), time out for ever (value
/// 0) or admit several holders (value 5). The file is therefore opened here, with O_NOFOLLOW, and given the segment
/// file's checks on the descriptor plus an exact size before it is mapped; glibc's sem_wait/sem_post then work on the
/// mapping, as they do on sem_open's. A new file is published whole: written while unnamed (O_TMPFILE) and then linked
/// to the name, which fails if the name exists, exactly as glibc's sem_open publishes one, so no opener (C# or C) ever
/// sees a half-written semaphore.
/// </remarks>
internal static unsafe class NamedSemaphoreLock
{
    /// <summary>sizeof(sem_t) in 64-bit glibc (x86-64, aarch64): the exact size of a semaphore file.</summary>
    public const int SemaphoreSize = 32;

    /// <summary>The semaphore's name: "/NAME.lock" (glibc keeps it at /dev/shm/sem.NAME.lock).</summary>
    public static string SemaphoreName(string segmentName) => "/" + segmentName + ".lock";

    /// <summary>The semaphore's file name in /dev/shm: "sem.NAME.lock".</summary>
    public static string FileName(string segmentName) => "sem." + segmentName + ".lock";

    /// <summary>Where glibc keeps that semaphore: /dev/shm/sem.NAME.lock.</summary>
    public static string SemaphorePath(string segmentName) => ShmFile.Directory + FileName(segmentName);

    /// <summary>
    /// Makes the semaphore afresh for a segment this process just created, with exactly <paramref name="mode"/>. A
    /// file already at the name is replaced only when it passes the checks (ours, not beyond the mode, a semaphore's
    /// size: a leftover of an earlier life of the name); anything else makes the create fail and is left alone.
    /// </summary>
    public static SemaphoreHandle Create(string segmentName, ushort mode)
    {
        using var fresh = CreateUnnamed(segmentName, mode);
        if (TryLink(fresh, segmentName))
        {
            return Map(fresh, segmentName, mode);
        }

        using (var leftover = OpenExisting(segmentName))
        {
            if (leftover is not null)
            {
                var id = CheckFile(leftover, segmentName, mode);
                ShmFile.UnlinkIfSame(FileName(segmentName), id);
            }
        }

        if (TryLink(fresh, segmentName))
        {
            return Map(fresh, segmentName, mode);
        }

        throw new SharedSegmentException(
            segmentName,
            $"Could not create the lock semaphore {SemaphorePath(segmentName)} of Raw segment '/{segmentName}': another process created one at the name meanwhile.",
            Errno.EEXIST);
    }

    /// <summary>
    /// Opens the semaphore of an existing segment. A creator that made none (Python's multiprocessing.shared_memory
    /// cannot make named semaphores) gets one with value 1, published whole as <see cref="Create"/> does; an existing
    /// file is used only when it passes the checks.
    /// </summary>
    public static SemaphoreHandle Attach(string segmentName, ushort mode)
    {
        for (var attempt = 0; ; attempt++)
        {
            using (var existing = OpenExisting(segmentName))
            {
                if (existing is not null)
                {
                    return Map(existing, segmentName, mode);
                }
            }

            // Missing: publish one. Losing that race to another opener (EEXIST) means its file is there now; the
            // bound only matters if someone keeps removing the name between our two steps.
            using var fresh = CreateUnnamed(segmentName, mode);
            if (TryLink(fresh, segmentName))
            {
                return Map(fresh, segmentName, mode);
            }

            if (attempt == 3)
            {
                throw new SharedSegmentException(
                    segmentName, $"The lock semaphore {SemaphorePath(segmentName)} of Raw segment '/{segmentName}' keeps appearing and disappearing; giving up.", Errno.EEXIST);
            }
        }
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

        var waitStarted = ShmGenMetrics.LockWaitStarting();
        var acquired = WaitContended(semaphore, deadline, segmentName);
        ShmGenMetrics.LockWaitEnded(segmentName, waitStarted, acquired ? LockAcquisition.Acquired : LockAcquisition.TimedOut);
        return acquired;
    }

    /// <summary>The wait of <see cref="Acquire"/> after sem_trywait found the semaphore taken.</summary>
    private static bool WaitContended(void* semaphore, long deadline, string segmentName)
    {
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

            var errno = Marshal.GetLastPInvokeError();
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

    /// <summary>Removes the semaphore's name while it still names the file <paramref name="semaphore"/> mapped (the
    /// segment's Unlink guarantee); false when the name is gone or names another file.</summary>
    public static bool Unlink(string segmentName, SemaphoreHandle semaphore) => ShmFile.UnlinkIfSame(FileName(segmentName), semaphore.File);

    /// <summary>Removes the semaphore's name whatever it names (TryUnlink's semantics); false when there was none.</summary>
    public static bool UnlinkName(string segmentName) => ShmFile.UnlinkName(FileName(segmentName));

    /// <summary>The checks every semaphore file gets on its descriptor before it is mapped; returns its identity.</summary>
    private static FileId CheckFile(SafeFileHandle file, string segmentName, ushort mode)
    {
        var st = ShmFile.Check(file, FileName(segmentName), mode, subject: Subject(segmentName));
        if ((long)st.st_size != SemaphoreSize)
        {
            throw new SegmentCorruptedException(
                segmentName,
                $"{Subject(segmentName)} is {(long)st.st_size} bytes, not the {SemaphoreSize} bytes of a glibc sem_t: not a semaphore sem_open made; refusing to map it.");
        }

        return FileId.Of(st);
    }

    private static SemaphoreHandle Map(SafeFileHandle file, string segmentName, ushort mode)
    {
        var id = CheckFile(file, segmentName, mode);

        // The mapping outlives the descriptor; the handle unmaps it.
        var mapping = ShmFile.Map(file, SemaphoreSize, segmentName);
        return new SemaphoreHandle((IntPtr)mapping, id);
    }

    /// <summary>The existing file at the name, opened without following a link; null when there is none.</summary>
    private static SafeFileHandle? OpenExisting(string segmentName) =>
        ShmFile.TryOpenExisting(FileName(segmentName), readOnly: false, out var errno) is { } file ? file
        : errno == Errno.ENOENT ? null
        : throw Error(segmentName, "open", errno);

    /// <summary>A new unnamed file in /dev/shm holding a sem_t of value 1, with exactly <paramref name="mode"/>.</summary>
    private static SafeFileHandle CreateUnnamed(string segmentName, ushort mode)
    {
        var directory = ShmFile.PathBytes(string.Empty);
        int fd;
        fixed (byte* p = directory)
        {
            // Owner-only until fchmod applies the exact mode (the umask never changes it).
            fd = open(p, O_TMPFILE | O_RDWR | O_CLOEXEC, 0x180);
        }

        if (fd < 0)
        {
            throw Error(segmentName, "open(O_TMPFILE)", Marshal.GetLastPInvokeError());
        }

        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            // glibc's own initial value: sem_init of a process-shared semaphore, written as sem_open writes it.
            var initial = stackalloc byte[SemaphoreSize];
            new Span<byte>(initial, SemaphoreSize).Clear();
            if (LibC.sem_init(initial, 1, 1) != 0)
            {
                throw Error(segmentName, "sem_init", Marshal.GetLastPInvokeError());
            }

            if (pwrite(fd, initial, SemaphoreSize, 0) != SemaphoreSize)
            {
                throw Error(segmentName, "pwrite", Marshal.GetLastPInvokeError());
            }

            if (fchmod(fd, mode) != 0)
            {
                throw Error(segmentName, "fchmod", Marshal.GetLastPInvokeError());
            }

            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Gives the unnamed file its name; false when the name exists (link never replaces a file).</summary>
    private static bool TryLink(SafeFileHandle file, string segmentName)
    {
        // linkat with AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc/self/fd link does the same for anyone.
        var source = Encoding.ASCII.GetBytes("/proc/self/fd/" + ShmFile.Fd(file) + "\0");
        var target = ShmFile.PathBytes(FileName(segmentName));
        fixed (byte* s = source)
        fixed (byte* t = target)
        {
            if (linkat(AT_FDCWD, s, AT_FDCWD, t, AT_SYMLINK_FOLLOW) == 0)
            {
                return true;
            }
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EEXIST ? false : throw Error(segmentName, "link", errno);
    }

    private static string Subject(string segmentName) =>
        $"The lock semaphore {SemaphorePath(segmentName)} of Raw segment '/{segmentName}'";

    private static Exception Error(string segmentName, string call, int errno) => errno == Errno.ELOOP
        ? new UnauthorizedAccessException(
            $"{call}({SemaphorePath(segmentName)}) failed: {Errno.Describe(errno)}. A symbolic link is planted at the lock semaphore of Raw segment '/{segmentName}'; ShmGen never follows one (O_NOFOLLOW).")
        : SegmentErrors.FromErrno(segmentName, call + "(" + SemaphorePath(segmentName) + ")", errno);
}
