using System;
using ShmGen;

namespace ShmGen.Tool.Tests;

/// <summary>The payload of the tool tests' segments; compiled into the test assembly and, by link, into the peer, so
/// the test process can open what the peer created.</summary>
[SharedSegment("shmgen-tool-test")]
public partial struct ToolTestData
{
    /// <summary>Flags value that makes the repair hook fail, leaving the lock not recoverable.</summary>
    public const int Unrepairable = 0x0BAD;

    public long Counter;
    public int Flags;
    public Reading Last;

    static partial void OnLockAbandoned(ref ToolTestData data)
    {
        if (data.Flags == Unrepairable)
        {
            throw new InvalidOperationException("this segment's data cannot be repaired");
        }
    }
}

/// <summary>A nested struct, so the layout has a dotted field path.</summary>
public struct Reading
{
    public double Value;
    public short Sensor;
}

/// <summary>A Raw-format payload: no header, so the tool can only recognise it by its lock semaphore.</summary>
[SharedSegment("shmgen-tool-test-raw", Format = SegmentFormat.Raw)]
public partial struct RawToolTestData
{
    public long Counter;
}

/// <summary>The tool tests' topic: small, so a test can lap it.</summary>
[SharedTopic("shmgen-tool-test-topic", Capacity = 16)]
public partial struct ToolTestTick
{
    public long Sequence;
}

/// <summary>The tool tests' queue: small, so a test can fill it.</summary>
[SharedQueue("shmgen-tool-test-queue", Capacity = 64)]
public partial struct ToolTestJob
{
    public long Id;
    public double Payload;
}
