using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace ShmGen.Native;

/// <summary>
/// Linux futex operations on a 32-bit word in shared memory. Process-shared: the private flag is never used, so the
/// word may live in any shared mapping. The kernel only compares the word and parks the caller; it never follows a
/// pointer stored in the word, so any value a peer writes is harmless here.
/// </summary>
internal static unsafe class Futex
{
    private const int FutexWait = 0;
    private const int FutexWake = 1;

    // The futex syscall number differs by architecture (x86-64: 202; arm64 and other asm-generic ABIs: 98).
    private static readonly int s_syscallNumber = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 202 : 98;

    /// <summary>
    /// Sleeps while <paramref name="word"/> still holds <paramref name="expected"/>, until woken, until
    /// <paramref name="timeout"/> runs out, or spuriously. Callers re-check their condition in a loop.
    /// </summary>
    /// <param name="word">A 4-byte-aligned word in shared memory.</param>
    /// <param name="expected">The value that means "keep waiting"; if the word differs already, returns at once.</param>
    /// <param name="timeout">How long to sleep at most; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <returns><see langword="false"/> when the timeout ran out; <see langword="true"/> otherwise.</returns>
    public static bool Wait(ref int word, int expected, TimeSpan timeout)
    {
        fixed (int* address = &word)
        {
            return Wait(address, expected, timeout);
        }
    }

    /// <inheritdoc cref="Wait(ref int, int, TimeSpan)"/>
    public static bool Wait(int* address, int expected, TimeSpan timeout)
    {
        int result;
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            result = (int)Tmds.Linux.LibC.syscall(s_syscallNumber, address, FutexWait, expected, (void*)null);
        }
        else
        {
            if (timeout <= TimeSpan.Zero)
            {
                return Volatile.Read(ref *address) != expected;
            }

            // FUTEX_WAIT takes a relative timeout on CLOCK_MONOTONIC.
            var ticks = timeout.Ticks;
            var relative = new Tmds.Linux.timespec { tv_sec = ticks / TimeSpan.TicksPerSecond, tv_nsec = (Tmds.Linux.long_t)(ticks % TimeSpan.TicksPerSecond * 100) };
            result = (int)Tmds.Linux.LibC.syscall(s_syscallNumber, address, FutexWait, expected, &relative);
        }

        return result == 0 || Marshal.GetLastPInvokeError() != Tmds.Linux.LibC.ETIMEDOUT;
    }

    /// <summary>Wakes up to <paramref name="count"/> threads (of any process) sleeping on <paramref name="word"/>.</summary>
    /// <returns>How many were woken.</returns>
    public static int Wake(ref int word, int count)
    {
        fixed (int* address = &word)
        {
            return Wake(address, count);
        }
    }

    /// <inheritdoc cref="Wake(ref int, int)"/>
    public static int Wake(int* address, int count)
    {
        var result = (int)Tmds.Linux.LibC.syscall(s_syscallNumber, address, FutexWake, count);
        return result < 0 ? 0 : result;
    }
}
