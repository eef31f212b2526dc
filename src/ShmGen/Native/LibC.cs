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

    // sem_open is variadic (mode and value follow only with O_CREAT); on the x86-64 and arm64 Linux ABIs integer
    // varargs travel exactly like fixed arguments, so the four-argument binding is correct.
    [LibraryImport(Library, SetLastError = true)]
    public static partial void* sem_open(byte* name, int flags, uint mode, uint value);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sem_close(void* semaphore);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int sem_unlink(string name);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sem_trywait(void* semaphore);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sem_wait(void* semaphore);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sem_clockwait(void* semaphore, int clockId, Tmds.Linux.timespec* absoluteTime);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sem_post(void* semaphore);
}
