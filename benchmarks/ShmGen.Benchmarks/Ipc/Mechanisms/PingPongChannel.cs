using System.Runtime.InteropServices;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>The shared payload of the shmgen-segment row: one hand-off slot per direction.</summary>
[SharedSegment("shmgen-bench-pingpong")]
public partial struct PingPongChannel
{
    /// <summary>Parent to child.</summary>
    public HandOffSlot Ping;

    /// <summary>Child to parent.</summary>
    public HandOffSlot Pong;
}

/// <summary>
/// A single-message mailbox: the sender fills <see cref="Data"/> and then publishes <see cref="Sequence"/>; the receiver
/// spins on the sequence, then sleeps on it with a futex. Its control words and its data are on separate cache lines,
/// so the receiver's spinning does not steal the line the sender is writing the message into.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 64 + MaxMessage)]
public unsafe struct HandOffSlot
{
    /// <summary>The largest message the slot holds.</summary>
    public const int MaxMessage = 4096;

    /// <summary>The number of the last published message (the futex word).</summary>
    public int Sequence;

    /// <summary>Non-zero while the receiver sleeps (or is about to) in a futex wait: the sender must wake it.</summary>
    public int ReceiverSleeping;

    /// <summary>Keeps <see cref="Data"/> off the control words' cache line.</summary>
    public fixed byte ControlLinePadding[56];

    /// <summary>The message.</summary>
    public fixed byte Data[MaxMessage];
}
