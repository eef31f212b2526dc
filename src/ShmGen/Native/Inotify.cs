using System.Runtime.InteropServices;

namespace ShmGen.Native;

/// <summary>
/// inotify(7) and the poll(2) that waits on its descriptor: how <c>Open</c> with
/// <see cref="SegmentOptions.WaitForCreation"/> learns that a name appeared in /dev/shm without polling the directory.
/// </summary>
internal static unsafe partial class Inotify
{
    private const string Library = "libc.so.6";

    public const int IN_NONBLOCK = 0x800;
    public const int IN_CLOEXEC = 0x80000;
    public const uint IN_MOVED_TO = 0x80;
    public const uint IN_CREATE = 0x100;
    public const uint IN_Q_OVERFLOW = 0x4000;
    public const short POLLIN = 1;

    /// <summary>struct inotify_event without its trailing name (Len bytes, NUL-padded).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Event
    {
        public int Watch;
        public uint Mask;
        public uint Cookie;
        public uint Length;
    }

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial int inotify_init1(int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int inotify_add_watch(int fd, byte* path, uint mask);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);
}
