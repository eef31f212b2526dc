using System.Runtime.InteropServices;
using static Tmds.Linux.LibC;

namespace ShmGen.Benchmarks.Native;

/// <summary>
/// An asymmetric store-load fence between processes with membarrier(2) (Linux 4.16+): the rare side (a receiver about
/// to sleep) pays a MEMBARRIER_CMD_GLOBAL_EXPEDITED, which runs a full barrier on every CPU currently running a
/// registered process; the hot side (every publish) then needs no fence instruction at all, only program order. The
/// same pairing as liburcu's and folly's asymmetric fences, across processes. Both processes register when they open
/// the channel; where membarrier is missing, <see cref="IsAvailable"/> is false and callers use a full fence on both sides.
/// </summary>
internal static class AsymmetricFence
{
    private const int CommandQuery = 0;
    private const int CommandGlobalExpedited = 1 << 1;
    private const int CommandRegisterGlobalExpedited = 1 << 2;

    private static readonly int s_syscallNumber = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 324 : 283;

    /// <summary>Whether this process is registered and the heavy side is usable.</summary>
    public static bool IsAvailable { get; } = Register();

    /// <summary>The heavy side: returns after every running thread of a registered process passed a full barrier.</summary>
    public static void Heavy() => syscall(s_syscallNumber, CommandGlobalExpedited, 0, 0);

    private static bool Register()
    {
        var supported = (long)syscall(s_syscallNumber, CommandQuery, 0, 0);
        return supported > 0
            && (supported & (CommandGlobalExpedited | CommandRegisterGlobalExpedited)) == (CommandGlobalExpedited | CommandRegisterGlobalExpedited)
            && (long)syscall(s_syscallNumber, CommandRegisterGlobalExpedited, 0, 0) == 0;
    }
}
