using System;
using System.Threading;
using ShmGen.Native;

namespace ShmGen.Runtime;

/// <summary>The one place an errno (or a misuse of the lock) becomes the exception DESIGN §3 names, with the segment and
/// the failed call.</summary>
internal static class SegmentErrors
{
    public static Exception FromErrno(string name, string call, int errno)
    {
        var what = $"{call} on shared memory segment '/{name}' failed: {Errno.Describe(errno)}";
        if (errno == Errno.ENOENT && !System.IO.Directory.Exists(Files.ShmFile.Directory))
        {
            return new SegmentNotFoundException(
                name,
                $"Shared memory segment '/{name}' cannot exist here: /dev/shm is missing ({call}: {Errno.Describe(errno)}). " +
                "POSIX shared memory lives on a tmpfs mounted at /dev/shm; in a container, run with one (e.g. docker run --shm-size, or mount a tmpfs there).",
                errno);
        }

        return errno switch
        {
            Errno.EISDIR or Errno.ENXIO => new UnauthorizedAccessException(
                $"{what}. /dev/shm/{name} is not a regular file (a directory, socket or device is at the name); refusing to use it."),
            Errno.ENOENT => new SegmentNotFoundException(
                name,
                $"Shared memory segment '/{name}' does not exist ({call}: {Errno.Describe(errno)}). It was never created, was " +
                "unlinked, or was removed by systemd-logind: with RemoveIPC=yes (the default on many distributions) a user's " +
                "segments are deleted when their last session ends; run services as system users or set RemoveIPC=no.",
                errno),
            Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException(
                $"{what}. The segment belongs to another user or its mode does not admit this one."),
            Errno.ELOOP => new UnauthorizedAccessException(
                $"{what}. A symbolic link is planted at /dev/shm/{name}; ShmGen never follows one (O_NOFOLLOW)."),
            Errno.ENOSPC or Errno.EDQUOT or Errno.EFBIG => new OutOfSharedMemoryException(
                name, $"{what}. /dev/shm (tmpfs) is full or its size limit is reached; free segments or enlarge the mount.", errno),
            Errno.ENOMEM => new OutOfSharedMemoryException(
                name, $"{what}. The process is out of memory or address space, or a memory limit (cgroup, RLIMIT_AS, vm.max_map_count) was reached.", errno),
            Errno.EMFILE => new SharedSegmentException(
                name, $"{what}. This process has reached its open file limit (RLIMIT_NOFILE, see ulimit -n).", errno),
            Errno.ENFILE => new SharedSegmentException(
                name, $"{what}. The system-wide open file limit (fs.file-max) is reached.", errno),
            Errno.ENAMETOOLONG => new ArgumentException($"{what}. The name is too long for this system."),
            _ => new SharedSegmentException(name, what + ".", errno),
        };
    }

    /// <summary>A second Lock on the thread that holds the lock (the robust mutex's EDEADLK, or the Raw semaphore's check).</summary>
    public static LockRecursionException LockRecursion(string name) => new(
        $"The lock of shared memory segment '/{name}' is already held by this thread; a Guard must be disposed before the next Lock.");

    /// <summary>A release from a thread that does not hold the lock (the robust mutex's EPERM, or the Raw semaphore's check).</summary>
    public static SynchronizationLockException NotLockHolder(string name) => new(
        $"The lock of shared memory segment '/{name}' is not held by this thread; a Guard must be disposed on the thread that took it.");
}
