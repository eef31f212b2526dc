using System;

namespace ShmGen.Runtime;

/// <summary>
/// Who is working on a queue slot: the 32-bit owner half of a slot's state word. A claim is the process id (22 bits:
/// Linux pids stay below 2^22) plus the low 10 bits of the process's start time, so a waiter can tell that the claimer
/// died, and (with high probability) that its pid was reused by a later process. Written by the same CAS that claims
/// the slot, so a claim is never anonymous, however the claimer dies.
/// </summary>
internal static class QueueClaim
{
    /// <summary>No process is working on the slot.</summary>
    public const uint Free = 0;

    /// <summary>
    /// Pid 0 (no user process has it) with every start-time bit set: the producer that claimed this position died; the
    /// position holds nothing and consumers skip it.
    /// </summary>
    public const uint Tombstone = 0xFFC0_0000;

    private const int PidBits = 22;
    private const uint PidMask = (1u << PidBits) - 1;
    private const uint StampMask = 0x3FF;

    /// <summary>This process's claim.</summary>
    public static readonly uint Self = Make(Environment.ProcessId, ProcessIdentity.CurrentStartTime);

    /// <summary>Whether <paramref name="owner"/> is another process's claim (not free, not a tombstone, not ours).</summary>
    public static bool IsForeignClaim(uint owner) => owner != Free && owner != Tombstone && owner != Self;

    /// <summary>The pid inside a claim, for messages.</summary>
    public static int ProcessId(uint owner) => (int)(owner & PidMask);

    /// <summary>
    /// Whether the process that made <paramref name="owner"/> is gone: no such pid, a zombie (killed, not yet reaped),
    /// or a pid now held by a process with another start time. Reads /proc; only waiters call it.
    /// </summary>
    public static bool IsGone(uint owner) =>
        ProcessId(owner) != 0 && ProcessIdentity.IsGone(ProcessId(owner), owner >> PidBits, StampMask);

    private static uint Make(int pid, ulong startTime) => ((uint)pid & PidMask) | ((uint)(startTime & StampMask) << PidBits);
}
