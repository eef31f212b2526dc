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
/// lock, a semaphore has no owner: a holder that dies leaves it taken, and waiters get a TimeoutException.
/// </summary>
/// <remarks>
/// glibc's sem_open is an mmap of /dev/shm/sem.NAME.lock that opens with O_CREAT and never looks at the file's owner,
/// mode or size, so another user who planted the file could make Lock fault (an empty file), time out for ever (value
/// 0) or admit several holders (value 5). The file is therefore opened here, with O_NOFOLLOW, and given the segment
/// file's checks on the descriptor plus an exact size before it is mapped; glibc's sem_wait/sem_post then work on the
/// mapping, as they do on sem_open's. A new file is published whole: written while unnamed (O_TMPFILE) and then linked
/// to the name, which fails if the name exists, exactly as glibc's sem_open publishes one, so no opener (C# or C) ever
/// sees a half-written semaphore.
/// <para>
/// The waits and posts do not call glibc either. A 64-bit glibc sem_t is a 64-bit <c>data</c> word (value in the low
/// half, waiter count in the high half) and an int <c>private</c> that becomes part of the futex operation; a peer
/// that writes garbage there makes glibc's contended sem_clockwait or sem_post get an error from the kernel and abort
/// the process (<c>__libc_fatal</c>: "The futex facility returned an unexpected error code"). So glibc's protocol on
/// <c>data</c> runs here (the CAS that takes a unit, the waiter count raised before parking, the FUTEX_WAKE after a
/// post that saw waiters), with shared futex operations, the same key glibc's process-shared semaphore uses. A C
/// program's sem_wait and sem_post interoperate with it; the <c>private</c> field is never read, and a value or
/// waiter count a peer rewrites costs a timeout, never a crash or a wait past the deadline.
/// </para>
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

    /// <summary>
    /// Takes the semaphore by <paramref name="deadline"/> (<see cref="Deadline.Never"/>: no limit), with glibc's own
    /// protocol run here on the mapped bytes rather than by <c>sem_clockwait</c> (see the class remarks).
    /// </summary>
    public static bool Acquire(void* semaphore, long deadline, string segmentName)
    {
        ref var data = ref *(ulong*)semaphore;
        var free = Volatile.Read(ref data);
        if (Value(free) != 0 && Interlocked.CompareExchange(ref data, free - 1, free) == free)
        {
            return true;
        }

        var waitStarted = ShmGenMetrics.LockWaitStarting();
        var acquired = WaitContended(ref data, semaphore, deadline);
        ShmGenMetrics.LockWaitEnded(segmentName, waitStarted, acquired ? LockAcquisition.Acquired : LockAcquisition.TimedOut);
        return acquired;
    }

    /// <summary>The wait of <see cref="Acquire"/> after its one uncontended attempt found the semaphore taken.</summary>
    private static bool WaitContended(ref ulong data, void* semaphore, long deadline)
    {
        var registered = false;
        while (true)
        {
            var observed = Volatile.Read(ref data);
            if (Value(observed) != 0)
            {
                // Take one unit, and leave the waiter count in the same CAS if we added ourselves to it.
                var taken = observed - 1 - (registered ? OneWaiter : 0);
                if (Interlocked.CompareExchange(ref data, taken, observed) == observed)
                {
                    return true;
                }
            }
            else if (!registered)
            {
                // Announce a waiter before parking, as glibc's sem_wait does, so a poster (ours or glibc's) wakes us.
                Interlocked.Add(ref data, OneWaiter);
                registered = true;
                continue;
            }

            // Checked on every round, so a peer that rewrites the word all the time costs a timeout, never a hang.
            var remaining = Deadline.Remaining(deadline);
            if (remaining == TimeSpan.Zero)
            {
                if (registered)
                {
                    Interlocked.Add(ref data, unchecked(0UL - OneWaiter));
                }

                return false;
            }

            if (Value(observed) == 0)
            {
                // The futex word is the value's half; a post changes it and wakes us. EINTR and spurious wake-ups
                // just go round again.
                Futex.Wait((int*)semaphore + ValueWordIndex, 0, remaining);
            }
        }
    }

    public static void Release(void* semaphore, string segmentName)
    {
        ref var data = ref *(ulong*)semaphore;

        // One atomic add, no retry loop a peer could keep failing. A value already at SEM_VALUE_MAX cannot be posted
        // (glibc's EOVERFLOW): only a corrupted semaphore gets there, since a lock's value is 0 or 1.
        var before = Interlocked.Add(ref data, 1) - 1;
        if (Value(before) >= int.MaxValue)
        {
            Interlocked.Add(ref data, unchecked(0UL - 1));
            throw new SegmentCorruptedException(
                segmentName,
                $"{Subject(segmentName)} holds the value {Value(before)}, which a lock never reaches: a peer wrote over the semaphore. It was not posted.");
        }

        if ((before >> WaiterShift) != 0)
        {
            Futex.Wake((int*)semaphore + ValueWordIndex, 1);
        }
    }

    /// <summary>The semaphore's value: the low 32 bits of glibc's 64-bit <c>data</c> word.</summary>
    private static uint Value(ulong data) => unchecked((uint)data);

    /// <summary>glibc's SEM_NWAITERS_SHIFT: the waiter count is the high half of the data word.</summary>
    private const int WaiterShift = 32;

    private const ulong OneWaiter = 1UL << WaiterShift;

    /// <summary>The value half's index among the word's two ints (SEM_VALUE_OFFSET: 0 little-endian, 1 big-endian).</summary>
    private static readonly int ValueWordIndex = BitConverter.IsLittleEndian ? 0 : 1;

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
