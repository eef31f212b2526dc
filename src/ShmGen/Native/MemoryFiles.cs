using static Tmds.Linux.LibC;

namespace ShmGen.Native;

/// <summary>
/// memfd_create and file seals (Tmds.LibC binds them): the calls behind anonymous sealed segments. A sealed memfd is a
/// file no holder can shrink or grow, so a peer handed one cannot pull pages out from under another's mapping.
/// </summary>
internal static unsafe class MemoryFiles
{
    /// <summary>The seals every anonymous segment carries: no shrinking, no growing, no further seals (so none can be
    /// added to stop the creator writing either).</summary>
    public static int RequiredSeals => F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

    /// <summary>memfd_create(name, MFD_ALLOW_SEALING | MFD_CLOEXEC); -1 with errno on failure.</summary>
    public static int Create(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = bytes)
        {
            return memfd_create(p, MFD_ALLOW_SEALING | MFD_CLOEXEC);
        }
    }

    /// <summary>fcntl(F_ADD_SEALS); -1 with errno on failure.</summary>
    public static int AddSeals(int fd, int seals) => fcntl(fd, F_ADD_SEALS, seals);

    /// <summary>fcntl(F_GET_SEALS): the seals, or -1 (EINVAL for a file that is not a memfd, which cannot be sealed).</summary>
    public static int GetSeals(int fd) => fcntl(fd, F_GET_SEALS);

    /// <summary>The descriptor's access mode (fcntl F_GETFL masked with O_ACCMODE), or -1.</summary>
    public static int AccessMode(int fd)
    {
        var flags = fcntl(fd, F_GETFL);
        return flags < 0 ? -1 : flags & O_ACCMODE;
    }

    /// <summary>Opens the file behind <paramref name="fd"/> again, read-only, through /proc/self/fd: a new open file
    /// description whose O_RDONLY no holder can turn into write access (mmap PROT_WRITE and ftruncate refuse it).</summary>
    public static int ReopenReadOnly(int fd)
    {
        var bytes = System.Text.Encoding.ASCII.GetBytes("/proc/self/fd/" + fd.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\0");
        fixed (byte* p = bytes)
        {
            return open(p, O_RDONLY | O_CLOEXEC, 0);
        }
    }

    /// <summary>pread of exactly <paramref name="length"/> bytes at offset 0; false (errno in Marshal, or 0 for a short
    /// read) when that failed.</summary>
    public static bool ReadStart(int fd, byte* destination, int length)
    {
        var done = 0;
        while (done < length)
        {
            var read = (long)pread(fd, destination + done, (Tmds.Linux.size_t)(ulong)(length - done), (long)done);
            if (read < 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Errno.EINTR)
            {
                continue;
            }

            if (read <= 0)
            {
                return false;
            }

            done += (int)read;
        }

        return true;
    }
}
