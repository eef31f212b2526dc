using System;
using System.Runtime.CompilerServices;
using System.Threading;
using ShmGen.Native;

namespace ShmGen;

/// <summary>
/// Linux futex operations on a 32-bit word in shared memory, for building waits between processes: the kernel parks
/// the caller until another process wakes the word (no spinning, no lost wake-ups when the waiter re-checks its
/// condition). Process-shared: the private flag is never used, so the word may live in any shared mapping.
/// </summary>
public static unsafe class Futex
{
    private const int FutexWait = 0;
    private const int FutexWake = 1;

    // The futex syscall number differs by architecture (x86-64: 202; arm64 and other asm-generic ABIs: 98).
    private static readonly int s_syscallNumber =
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 ? 202 : 98;

    /// <summary>
    /// Sleeps while <paramref name="word"/> still equals <paramref name="expected"/>, until woken, until
    /// <paramref name="timeout"/> runs out, or spuriously. Callers re-check their condition in a loop.
    /// </summary>
    /// <param name="word">A 4-byte-aligned int in shared memory.</param>
    /// <param name="expected">The value that means "keep waiting"; if the word differs already, returns at once.</param>
    /// <param name="timeout">How long to sleep at most; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <returns><see langword="false"/> when the timeout ran out; <see langword="true"/> otherwise (woken, value changed, or signal).</returns>
    public static bool Wait(ref int word, int expected, TimeSpan timeout)
    {
        var address = Unsafe.AsPointer(ref word);
        int result;
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            result = (int)Tmds.Linux.LibC.syscall(s_syscallNumber, address, FutexWait, expected, (void*)null);
        }
        else
        {
            if (timeout <= TimeSpan.Zero)
            {
                return Volatile.Read(ref word) != expected;
            }

            // FUTEX_WAIT takes a relative timeout on CLOCK_MONOTONIC.
            var ticks = timeout.Ticks;
            var relative = new LibC.Timespec { Seconds = ticks / TimeSpan.TicksPerSecond, Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100 };
            result = (int)Tmds.Linux.LibC.syscall(s_syscallNumber, address, FutexWait, expected, &relative);
        }

        return result == 0 || System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != Errno.ETIMEDOUT;
    }

    /// <summary>Wakes up to <paramref name="count"/> processes sleeping in <see cref="Wait"/> on <paramref name="word"/>.</summary>
    /// <param name="word">The same shared int the waiters passed.</param>
    /// <param name="count">How many to wake; <see cref="int.MaxValue"/> for all.</param>
    /// <returns>How many were woken.</returns>
    public static int Wake(ref int word, int count)
    {
        var address = Unsafe.AsPointer(ref word);
        var result = (int)Tmds.Linux.LibC.syscall(s_syscallNumber, address, FutexWake, count);
        return result < 0 ? 0 : (int)result;
    }
}
