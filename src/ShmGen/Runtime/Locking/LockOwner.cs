using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Native;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// The value a <see cref="FutexLock"/> word holds while a thread owns it: the owner's kernel thread id (22 bits; Linux
/// ids stay below 2^22) and 9 bits of that thread's start time, so a waiter can tell a live owner from a dead one and
/// from a later thread that reused the id, by asking /proc, never by dereferencing anything. Bit 31 is the lock's
/// waiter bit and is never part of an identity.
/// </summary>
internal static class LockOwner
{
    public const uint WaiterBit = 0x8000_0000;
    public const uint IdentityMask = ~WaiterBit;

    /// <summary>Thread id 0 (no thread has it) with every stamp bit set: a holder died and its repair hook threw.</summary>
    public const uint NotRecoverable = 0x7FC0_0000;

    private const int ThreadIdBits = 22;
    private const uint ThreadIdMask = (1u << ThreadIdBits) - 1;
    private const uint StampMask = 0x1FF;

    [ThreadStatic]
    private static uint t_self;

    /// <summary>This thread's identity (computed once per thread: one gettid and one read of /proc).</summary>
    public static uint Self
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var self = t_self;
            return self != 0 ? self : ComputeSelf();
        }
    }

    /// <summary>The kernel thread id inside an identity.</summary>
    public static int ThreadId(uint identity) => (int)(identity & ThreadIdMask);

    /// <summary>
    /// Whether the thread named by <paramref name="identity"/> is gone: an impossible identity (thread id 0), no such
    /// thread, a zombie, or an id now held by a thread with another start time. Reads /proc; only waiters call it.
    /// </summary>
    public static bool IsGone(uint identity) =>
        ThreadId(identity) == 0 || ProcessIdentity.IsGone(ThreadId(identity), identity >> ThreadIdBits, StampMask);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint ComputeSelf()
    {
        var tid = Threads.CurrentThreadId();
        var startTime = ProcessIdentity.ReadStat(tid)?.StartTime ?? 0;
        var self = ((uint)tid & ThreadIdMask) | ((uint)(startTime & StampMask) << ThreadIdBits);
        t_self = self;
        return self;
    }
}
