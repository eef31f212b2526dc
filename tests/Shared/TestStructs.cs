// Payload types shared by the runtime tests and their child process (linked into both), so both sides are one build.
using System.Runtime.InteropServices;
using ShmGen;

namespace ShmGen.Testing;

/// <summary>A counter with a redundant copy: the pair is the invariant a crash in the middle can break.</summary>
[SharedSegment("shmgen-test-counter")]
public partial struct Counter
{
    public long Value;
    public long Shadow;
    public long Repairs;

    // Restores the invariant after a holder died between the two writes.
    static partial void OnLockAbandoned(ref Counter data)
    {
        data.Shadow = data.Value;
        data.Repairs++;
    }
}

/// <summary>Same name as <see cref="Counter"/>'s default but another layout: opening one as the other must fail.</summary>
[SharedSegment("shmgen-test-counter-v2")]
public partial struct CounterV2
{
    public int Value;
    public long Shadow;
    public long Repairs;
}

/// <summary>A segment whose repair hook throws: the lock must become unrecoverable, never silently consistent.</summary>
[SharedSegment("shmgen-test-fragile")]
public partial struct Fragile
{
    public long Value;

    static partial void OnLockAbandoned(ref Fragile data) => throw new System.InvalidOperationException("cannot repair");
}

/// <summary>A larger payload with nesting, buffers and enums, for cross-process byte-exact transfer.</summary>
[SharedSegment("shmgen-test-message")]
public unsafe partial struct Message
{
    public int Sequence;
    public Point Origin;
    public Color Tint;
    public fixed byte Text[64];
}

public struct Point
{
    public double X;
    public double Y;
}

public enum Color : byte
{
    Red = 1,
    Green = 2,
}

/// <summary>Explicit layout with an overlapping union.</summary>
[SharedSegment("shmgen-test-union")]
[StructLayout(LayoutKind.Explicit)]
public partial struct Union
{
    [FieldOffset(0)] public long Whole;
    [FieldOffset(0)] public int Low;
    [FieldOffset(4)] public int High;
    [FieldOffset(8)] public short Tag;
}

/// <summary>1 MiB: more than the tiny tmpfs of the "tmpfs full" test can hold.</summary>
[SharedSegment("shmgen-test-huge")]
public unsafe partial struct Huge
{
    public fixed byte Bytes[1 << 20];
}

/// <summary>A small queue for the runtime's handle-lifetime tests (the queue's own tests have their own items).</summary>
[SharedQueue("shmgen-test-probe", Capacity = 4)]
public partial struct Probe
{
    public long Id;
}
