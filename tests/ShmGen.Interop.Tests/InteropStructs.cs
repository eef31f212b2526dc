using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen;

namespace ShmGen.Interop.Tests;

/// <summary>The struct the C and Python peers share with C#, byte for byte.</summary>
[SharedSegment("shmgen-interop-reading", Format = SegmentFormat.Raw)]
public unsafe partial struct Reading
{
    public ulong Value;
    public int Count;
    public double Temperature;
    public fixed byte Label[16];
    public byte Flag;
}

// Layouts whose generated C declarations gcc must accept (the _Static_asserts are the proof).
public struct Sensor
{
    public short Id;
    public double Gain;
}

public enum Phase : ushort
{
    Start = 1,
}

#pragma warning disable SHM008 // Deliberately misaligned: the C side must then be packed.
[SharedSegment("shmgen-c-packed", Format = SegmentFormat.Raw)]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public partial struct PackedFrame
{
    public byte Kind;
    public uint Length;
    public ulong Checksum;
}
#pragma warning restore SHM008

[SharedSegment("shmgen-c-nested", Format = SegmentFormat.Raw)]
public unsafe partial struct Station
{
    public Phase Phase;
    public Sensor Primary;
    public fixed float Samples[5];
    public Sensor Backup;
    public byte Last;
}

[SharedSegment("shmgen-c-union", Format = SegmentFormat.Raw)]
[StructLayout(LayoutKind.Explicit, Size = 24)]
public partial struct Word
{
    [FieldOffset(0)] public ulong Raw;
    [FieldOffset(0)] public uint Lower;
    [FieldOffset(16)] public int After;
}

#pragma warning disable SHM004 // bool, char, decimal and Guid have no C layout: the header keeps them as bytes.
[SharedSegment("shmgen-c-clr", Format = SegmentFormat.Raw)]
public partial struct Ledger
{
    public bool Open;
    public char Currency;
    public decimal Amount;
    public Guid Account;
    public Int128 Total;
}
#pragma warning restore SHM004

[SharedSegment("shmgen-c-standard")]
public partial struct StandardOnly
{
    public long Ticks;
    public int Count;
}

// Inline arrays: one C array of the element type for scalars, every element named for structs.
[InlineArray(16)]
public struct SixteenDoubles
{
    private double _element;
}

[InlineArray(3)]
public struct ThreePhases
{
    private Phase _element;
}

[InlineArray(3)]
public struct ThreeSensors
{
    private Sensor _element;
}

[SharedSegment("shmgen-c-inline", Format = SegmentFormat.Raw)]
public partial struct Spectrum
{
    public int Count;
    public SixteenDoubles Samples;
    public ThreePhases Phases;
    public ThreeSensors Sensors;
}
