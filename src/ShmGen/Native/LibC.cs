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
