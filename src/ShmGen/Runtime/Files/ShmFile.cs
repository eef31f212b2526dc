using System;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using ShmGen.Native;
using static Tmds.Linux.LibC;

namespace ShmGen.Runtime.Files;

/// <summary>A file's identity: a name can be unlinked and reused, a (device, inode) pair cannot while the file lives.</summary>
internal readonly record struct FileId(ulong Device, ulong Inode)
{
    public static FileId Of(in Tmds.Linux.stat st) => new((ulong)st.st_dev, (ulong)st.st_ino);
}

/// <summary>
/// The file layer under every segment: paths in /dev/shm, opening without following links, the owner/mode/type checks
/// made on the descriptor before anything is mapped, flock, mapping, and the one "unlink only if the name still names
/// this file" routine that Unlink, reclaim and <c>shmgen gc</c> share.
/// </summary>
internal static unsafe class ShmFile
{
    /// <summary>Where Linux mounts the tmpfs behind POSIX shared memory (glibc's shm_open opens files here).</summary>
    public const string Directory = "/dev/shm/";

    private const ushort GroupOrOther = 0x3F; // 0077
    private const ushort GroupOrOtherRead = 0x24; // 0044

    /// <summary>"/dev/shm/NAME\0" in UTF-8 (validated names are ASCII; the inspector also reads files other programs named).</summary>
    public static byte[] PathBytes(string name)
    {
        var path = Directory + name;
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    /// <summary>Opens an existing file at the name, never following a symbolic link; the descriptor is owned by the handle.</summary>
    /// <param name="name">The segment name.</param>
    /// <param name="readOnly">O_RDONLY instead of O_RDWR.</param>
    /// <param name="call">The call to name in errors.</param>
    public static SafeFileHandle OpenExisting(string name, bool readOnly, string call = "shm_open") =>
        TryOpenExisting(name, readOnly, out var errno) ?? throw Error(name, call, errno);

    /// <summary>Opens /dev/shm/NAME as <see cref="OpenExisting"/> does; null and the errno when open fails.</summary>
    /// <param name="name">The file's name in /dev/shm.</param>
    /// <param name="readOnly">O_RDONLY instead of O_RDWR.</param>
    /// <param name="errno">Why open failed; 0 on success.</param>
    public static SafeFileHandle? TryOpenExisting(string name, bool readOnly, out int errno)
    {
        var path = PathBytes(name);
        int fd;
        fixed (byte* p = path)
        {
            fd = open(p, (readOnly ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_CLOEXEC, 0);
        }

        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// What DESIGN's error table asks of an opener, checked on the open descriptor (so a file swapped in after the check
    /// cannot slip past): a regular file, owned by this user unless <paramref name="expectedMode"/> opts into sharing
    /// between users, with no permission bits beyond <paramref name="expectedMode"/> (for a reader, group and other
    /// read bits do not count: reading is what it asked for). The Raw format's lock semaphore file gets the same checks,
    /// named by <paramref name="subject"/>.
    /// </summary>
    /// <param name="file">The open descriptor.</param>
    /// <param name="name">The file's name in /dev/shm.</param>
    /// <param name="expectedMode">The mode the caller expects.</param>
    /// <param name="reader">A read-only opener.</param>
    /// <param name="subject">What the file is, for the messages; a segment by default.</param>
    public static Tmds.Linux.stat Check(SafeFileHandle file, string name, ushort expectedMode, bool reader = false, string? subject = null)
    {
        subject ??= $"Shared memory segment '/{name}'";
        var st = Stat(file, name);
        var mode = (ushort)st.st_mode;
        if ((mode & 0xF000) != 0x8000)
        {
            throw new UnauthorizedAccessException(
                $"{subject} is not a regular file (a {FileType(mode)} is at /dev/shm/{name}); refusing to map it.");
        }

        var owner = (uint)st.st_uid;
        if (owner != (uint)geteuid() && (expectedMode & GroupOrOther) == 0)
        {
            throw new UnauthorizedAccessException(
                $"{subject} is owned by uid {owner}, not by this user ({(uint)geteuid()}); " +
                "another user's segment could be a trap. Grant group/other access in the expected Mode to share across users.");
        }

        var permissions = (ushort)(mode & 0x1FF);
        var beyond = permissions & ~expectedMode & 0x1FF;
        if (reader)
        {
            beyond &= ~GroupOrOtherRead;
        }

        if (beyond != 0)
        {
            throw new UnauthorizedAccessException(
                $"{subject} has mode {Octal(permissions)}, which grants more than the expected {Octal(expectedMode)}; " +
                "any user it admits could read or corrupt it.");
        }

        return st;
    }

    /// <summary>fstat of the descriptor.</summary>
    public static Tmds.Linux.stat Stat(SafeFileHandle file, string name)
    {
        Tmds.Linux.stat st;
        Check(fstat(Fd(file), &st), name, "fstat");
        return st;
    }

    /// <summary>A second descriptor of the same open file (close-on-exec), for a mapping that keeps one.</summary>
    public static SafeFileHandle Duplicate(SafeFileHandle file, string name)
    {
        var fd = fcntl(Fd(file), F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Error(name, "fcntl(F_DUPFD_CLOEXEC)", Marshal.GetLastPInvokeError());
        }

        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Maps <paramref name="length"/> bytes shared; never more than the file holds (a page past the end is a SIGBUS).</summary>
    public static byte* Map(SafeFileHandle file, nuint length, string name, bool writable = true)
    {
        MapCountHeadroom.EnsureRoomFor(name);
        var mapping = mmap(null, (Tmds.Linux.size_t)(ulong)length, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, Fd(file), 0);
        if (mapping == MAP_FAILED)
        {
            throw Error(name, "mmap", Marshal.GetLastPInvokeError());
        }

        return (byte*)mapping;
    }

    /// <summary>Unmaps what <see cref="Map"/> mapped.</summary>
    public static void Unmap(byte* mapping, nuint length) => munmap(mapping, (Tmds.Linux.size_t)(ulong)length);

    /// <summary>flock on the descriptor; false (errno in Marshal) when it failed, e.g. EWOULDBLOCK with LOCK_NB.</summary>
    public static bool Flock(SafeFileHandle file, int operation) => LibC.flock(Fd(file), operation) == 0;

    /// <summary>
    /// Removes the name only while it still names <paramref name="file"/>. Returns false when the name is gone or names
    /// another file (someone else's newer segment): that is never removed. The check and the unlink run under
    /// <see cref="RemovalLock"/>, so no other ShmGen process can remove this file and create a newer one between them.
    /// </summary>
    public static bool UnlinkIfSame(string name, FileId file)
    {
        using var removal = RemovalLock.Take(name);
        var path = PathBytes(name);
        fixed (byte* p = path)
        {
            Tmds.Linux.stat current;
            if (lstat(p, &current) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ENOENT)
                {
                    return false;
                }

                throw Error(name, "stat", errno);
            }

            if (FileId.Of(current) != file)
            {
                return false;
            }

            if (unlink(p) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ENOENT)
                {
                    return false;
                }

                throw Error(name, "shm_unlink", errno);
            }

            return true;
        }
    }

    /// <summary>Removes the name, whatever it names (TryUnlink), under <see cref="RemovalLock"/>; false (errno in
    /// Marshal) when that failed.</summary>
    public static bool UnlinkName(string name)
    {
        using var removal = RemovalLock.Take(name);
        var path = PathBytes(name);
        fixed (byte* p = path)
        {
            return unlink(p) == 0;
        }
    }

    /// <summary>Removes a name this process just created and still holds LOCK_EX on (a failed create): no lock needed,
    /// nobody else can have replaced it.</summary>
    public static void UnlinkOwnNewName(string name)
    {
        var path = PathBytes(name);
        fixed (byte* p = path)
        {
            unlink(p);
        }
    }

    /// <summary>Throws the contract's exception for a failed call.</summary>
    public static void Check(int result, string name, string call)
    {
        if (result != 0)
        {
            throw Error(name, call, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>The descriptor number of a handle (valid while the handle is).</summary>
    public static int Fd(SafeFileHandle file) => (int)file.DangerousGetHandle();

    /// <summary>"0600".</summary>
    public static string Octal(int mode) => "0" + Convert.ToString(mode, 8);

    /// <summary>
    /// The lock every ShmGen name removal takes: an exclusive flock on the /dev/shm directory itself (any user can open
    /// the directory, nobody has to create a file for it, and flock is released by the kernel when its holder dies).
    /// Creation needs no lock: O_EXCL cannot succeed while the old file still has the name, and only a removal frees it.
    /// A process that holds the lock for ever (another user's, say) makes removals fail after a bound, never hang.
    /// </summary>
    private readonly struct RemovalLock : IDisposable
    {
        private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(5);
        private readonly SafeFileHandle _directory;

        private RemovalLock(SafeFileHandle directory) => _directory = directory;

        public static RemovalLock Take(string name)
        {
            var path = PathBytes(string.Empty);
            int fd;
            fixed (byte* p = path)
            {
                fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            }

            if (fd < 0)
            {
                throw Error(name, "open(/dev/shm)", Marshal.GetLastPInvokeError());
            }

            var directory = new SafeFileHandle(fd, ownsHandle: true);
            var deadline = Deadline.After(s_bound);
            var delayMs = 1;
            while (!Flock(directory, LibC.LOCK_EX | LibC.LOCK_NB))
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EWOULDBLOCK || Deadline.HasPassed(deadline))
                {
                    directory.Dispose();
                    throw errno == Errno.EWOULDBLOCK
                        ? new SharedSegmentException(name, $"Could not remove shared memory segment '/{name}': another process has held the lock on /dev/shm that ShmGen's removals take for {s_bound}.", errno)
                        : Error(name, "flock(/dev/shm)", errno);
                }

                System.Threading.Thread.Sleep(delayMs);
                delayMs = Math.Min(delayMs * 2, 10);
            }

            return new RemovalLock(directory);
        }

        public void Dispose() => _directory.Dispose();
    }

    private static Exception Error(string name, string call, int errno) => SegmentErrors.FromErrno(name, call, errno);

    private static string FileType(ushort mode) => (mode & 0xF000) switch
    {
        0x4000 => "directory",
        0xC000 => "socket",
        0x1000 => "FIFO",
        0x2000 => "character device",
        0x6000 => "block device",
        0xA000 => "symbolic link",
        _ => "special file",
    };
}
