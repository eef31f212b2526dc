using System.Runtime.InteropServices;

namespace ShmGen.Native;

/// <summary>
/// The libc entry points Tmds.LibC does not bind (Tmds.Linux.LibC covers open, fstat, mmap, fchmod, posix_fallocate,
/// syscall, kill, and the O_* flags and errno values...): flock, clock_gettime and the POSIX semaphores. glibc 2.34+
/// exports all of them from libc.so.6.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc.so.6";

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    public const int CLOCK_MONOTONIC = 1;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int clock_gettime(int clockId, Tmds.Linux.timespec* time);

    /// <summary>The absolute CLOCK_MONOTONIC time <paramref name="timeout"/> from now, for the *_clock* waits.</summary>
    public static Tmds.Linux.timespec MonotonicDeadline(System.TimeSpan timeout)
    {
        Tmds.Linux.timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        var total = (long)now.tv_nsec + (timeout.Ticks * 100);
        return new Tmds.Linux.timespec
        {
            tv_sec = (Tmds.Linux.time_t)((long)now.tv_sec + (total / 1_000_000_000)),
            tv_nsec = (Tmds.Linux.long_t)(total % 1_000_000_000),
        };
    }

    // The Raw lock's sem_t lives in a file ShmGen opens, checks and maps itself (NamedSemaphoreLock); sem_init only
    // fills a buffer with the initial value that file is written with. Waits and posts run glibc's protocol in C#
    // (NamedSemaphoreLock.Acquire/Release): glibc's would abort the process on a sem_t whose private field a peer wrote.
    [LibraryImport(Library, SetLastError = true)]
    public static partial int sem_init(void* semaphore, int pshared, uint value);
}
