using System.Runtime.InteropServices;

namespace ShmGen.Native;

/// <summary>
/// futex_waitv(2) (Linux 5.16+): one thread parks on up to <see cref="MaxWords"/> futex words at once and wakes when
/// any of them is woken. Like FUTEX_WAIT, the kernel only compares each word with its expected value; it follows no
/// pointer stored in a word, so any value a peer writes is harmless.
/// </summary>
internal static unsafe class FutexWaitv
{
    /// <summary>FUTEX_WAITV_MAX: the most words one call accepts.</summary>
    public const int MaxWords = 128;

    /// <summary>FUTEX2_SIZE_U32: the word is 32 bits.</summary>
    public const uint Size32 = 2;

    /// <summary>FUTEX2_PRIVATE: the word is process-local (never set for words in shared memory).</summary>
    public const uint Private = 128;

    // The same number on x86-64 and on arm64 (and every asm-generic ABI): the syscall is newer than the split.
    private const int SyscallNumber = 449;

    /// <summary>struct futex_waitv.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Entry
    {
        public ulong Value;
        public ulong Address;
        public uint Flags;
        public uint Reserved;
    }

    /// <summary>
    /// Parks until one of <paramref name="count"/> words is woken, until the absolute CLOCK_MONOTONIC
    /// <paramref name="deadline"/> (null: no limit), or spuriously. Returns the index of the woken word, or -1 with the
    /// errno in Marshal: EAGAIN (a word no longer held its value), ETIMEDOUT, EINTR, ENOSYS (kernel before 5.16).
    /// </summary>
    public static int Wait(Entry* entries, int count, Tmds.Linux.timespec* deadline) =>
        (int)Tmds.Linux.LibC.syscall(SyscallNumber, (void*)entries, count, 0, (void*)deadline, LibC.CLOCK_MONOTONIC);

    /// <summary>
    /// Whether futex_waitv can be used here: a call with no words is EINVAL where it exists; ENOSYS before 5.16, EPERM
    /// (or anything else) from a seccomp filter that blocks it, as older container profiles do.
    /// </summary>
    public static bool IsSupported()
    {
        var result = Wait(null, 0, null);
        return result < 0 && Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.EINVAL;
    }
}
