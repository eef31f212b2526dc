using System.Runtime.InteropServices;

namespace ShmGen.Native;

/// <summary>
/// The libc entry points Tmds.LibC does not bind (Tmds.Linux.LibC covers open, fstat, mmap, fchmod,
/// posix_fallocate, syscall, kill...). glibc 2.34+ exports all of them from libc.so.6.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc.so.6";

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    public const int CLOCK_MONOTONIC = 1;

    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;

    public const int PTHREAD_PROCESS_SHARED = 1;
    public const int PTHREAD_MUTEX_ROBUST = 1;
    public const int PTHREAD_MUTEX_ERRORCHECK = 2;

    /// <summary>glibc's pthread_mutex_t is 40 bytes on x86-64 and 48 on arm64; the header reserves this much.</summary>
    public const int MutexSlotSize = 64;

    /// <summary>pthread_mutexattr_t is 4 bytes on x86-64 and 8 on arm64; this covers both with room to spare.</summary>
    public const int MutexAttrSize = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int clock_gettime(int clockId, Timespec* time);

    /// <summary>The absolute CLOCK_MONOTONIC time <paramref name="timeout"/> from now, for the *_clock* waits.</summary>
    public static Timespec MonotonicDeadline(System.TimeSpan timeout)
    {
        Timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        var total = deadline.Nanoseconds + (timeout.Ticks * 100);
        deadline.Seconds += total / 1_000_000_000;
        deadline.Nanoseconds = total % 1_000_000_000;
        return deadline;
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
    public static partial int sem_clockwait(void* semaphore, int clockId, Timespec* absoluteTime);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sem_post(void* semaphore);

    [LibraryImport(Library)]
    public static partial int pthread_mutexattr_init(void* attr);

    [LibraryImport(Library)]
    public static partial int pthread_mutexattr_destroy(void* attr);

    [LibraryImport(Library)]
    public static partial int pthread_mutexattr_setpshared(void* attr, int shared);

    [LibraryImport(Library)]
    public static partial int pthread_mutexattr_setrobust(void* attr, int robust);

    [LibraryImport(Library)]
    public static partial int pthread_mutexattr_settype(void* attr, int type);

    [LibraryImport(Library)]
    public static partial int pthread_mutex_init(void* mutex, void* attr);

    /// <summary>Blocks: keeps the GC transition so a waiting thread never stalls a collection.</summary>
    [LibraryImport(Library)]
    public static partial int pthread_mutex_lock(void* mutex);

    [LibraryImport(Library)]
    public static partial int pthread_mutex_clocklock(void* mutex, int clockId, Timespec* absoluteTime);

    /// <summary>Never blocks, so the uncontended fast path skips the GC transition.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    public static partial int pthread_mutex_trylock(void* mutex);

    /// <summary>Never blocks (at most a FUTEX_WAKE), so it skips the GC transition.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    public static partial int pthread_mutex_unlock(void* mutex);

    [LibraryImport(Library)]
    public static partial int pthread_mutex_consistent(void* mutex);
}
