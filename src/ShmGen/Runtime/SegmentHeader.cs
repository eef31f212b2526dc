using System.Runtime.InteropServices;

namespace ShmGen.Runtime;

/// <summary>
/// The first page of a Standard segment. Field offsets are part of the on-disk format (readers of other builds and
/// the <c>shmgen</c> tool decode them), so they are explicit; bump <see cref="CurrentVersion"/> when they change.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal unsafe struct SegmentHeader
{
    /// <summary>The header occupies one page; the payload starts on the next, so it is page- and cache-line-aligned.</summary>
    public const int Size = 4096;

    /// <summary>"SHMGEN" then 0x00, 0x01, read as a little-endian ulong.</summary>
    public const ulong ExpectedMagic = 0x0100_4E45_474D_4853UL;

    /// <summary>The header format this build writes and reads (<see cref="Contract.ShmContract.SegmentHeaderVersion"/>).</summary>
    public const uint CurrentVersion = Contract.ShmContract.SegmentHeaderVersion;

    public const int DescriptionCapacity = Size - DescriptionOffset;
    public const int TypeNameCapacity = 120;
    private const int DescriptionOffset = 256;

    [FieldOffset(0)] public ulong Magic;
    [FieldOffset(8)] public uint Version;

    /// <summary>0 while the creator initializes; <see cref="SegmentState.Ready"/> once published (release store).</summary>
    [FieldOffset(12)] public uint State;

    [FieldOffset(16)] public ulong Fingerprint;
    [FieldOffset(24)] public ulong PayloadOffset;
    [FieldOffset(32)] public ulong PayloadSize;
    [FieldOffset(40)] public ulong TotalSize;
    [FieldOffset(48)] public int CreatorPid;
    [FieldOffset(52)] public uint Kind;

    /// <summary>The creator's start time in clock ticks since boot (/proc/PID/stat field 22): pid plus start time
    /// identifies a process even after its pid is reused.</summary>
    [FieldOffset(56)] public ulong CreatorStartTime;

    /// <summary>The lock, the snapshot sequence and the condition word, on their own cache line.</summary>
    [FieldOffset(64)] public Locking.LockBlock Lock;

    [FieldOffset(128)] public uint DescriptionLength;
    [FieldOffset(132)] public uint TypeNameLength;

    /// <summary>The C# type the segment was created for (UTF-8), shown by tools.</summary>
    [FieldOffset(136)] public fixed byte TypeName[TypeNameCapacity];

    /// <summary>The canonical layout description (UTF-8) the fingerprint was computed from, so a mismatch can say
    /// which fields moved. Truncated to <see cref="DescriptionCapacity"/> bytes.</summary>
    [FieldOffset(DescriptionOffset)] public fixed byte Description[DescriptionCapacity];
}

/// <summary>Values of <see cref="SegmentHeader.State"/>.</summary>
internal static class SegmentState
{
    public const uint Initializing = 0;
    public const uint Ready = 1;
}
