using System.Runtime.InteropServices;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// The words a Standard segment's header holds for its lock, on one cache line (a holder touches one line per
/// Lock/Dispose). <see cref="State"/> packs the <see cref="FutexLock"/> word (low half, at the lower address, which is
/// what the futex parks on) and the snapshot sequence (high half), so one 64-bit CAS both takes the lock and marks the
/// data as being updated, and one CAS both publishes the data and releases. Every word here is peer-writable; none is
/// ever used as an address.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal struct LockBlock
{
    public const int Size = 64;

    /// <summary><see cref="Word"/> | (<see cref="Sequence"/> &lt;&lt; 32).</summary>
    [FieldOffset(0)] public ulong State;

    /// <summary>0 when free; otherwise the owner's <see cref="LockOwner"/> identity, plus <see cref="LockOwner.WaiterBit"/>
    /// while a thread may be parked on it.</summary>
    [FieldOffset(0)] public uint Word;

    /// <summary>Odd while a holder may be mid-update, even when the data is stable; every release publishes a new value.</summary>
    [FieldOffset(4)] public uint Sequence;

    /// <summary>The condition variable of <c>Guard.Wait</c> (<see cref="ConditionWait"/>): bit 0 "someone waits", bit 1 "one may
    /// be parked", bits 2..31 an epoch every notify advances.</summary>
    [FieldOffset(8)] public int Condition;
}
