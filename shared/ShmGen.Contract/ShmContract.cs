// The facts the generator, the analyzers and the runtime must agree on, in the one folder all three compile
// (docs/architecture.md, "The shared contract"). Plain constants and enums only: no Roslyn, no runtime types.
namespace ShmGen.Contract;

/// <summary>Protocol versions, defaults and generated names shared by the generator, the analyzers and the runtime.</summary>
internal static class ShmContract
{
    /// <summary>
    /// The version of the Standard segment header; bump it when the header's fields move. Version 2: ShmGen's own futex
    /// lock replaced glibc's robust mutex, whose robust-list links let a peer make the holder write where it chose.
    /// </summary>
    public const uint SegmentHeaderVersion = 2;

    /// <summary>
    /// The version of the queue's slot protocol and control block. It is part of every queue's layout description
    /// (<c>queue=2;...</c>) and so of its fingerprint: builds with different protocols refuse each other's queues.
    /// </summary>
    public const int QueueProtocolVersion = 2;

    /// <summary>
    /// The version of the topic's slot protocol and control block (<c>topic=2;...</c> in its layout description). Version 2:
    /// a published slot's state word is 2 x (sequence + 1) in all 64 bits, not only the low 32.
    /// </summary>
    public const int TopicProtocolVersion = 2;

    /// <summary>The permission bits a segment or queue gets when the attribute does not set <c>Mode</c>: 0600.</summary>
    public const FileModeBits DefaultMode = FileModeBits.UserRead | FileModeBits.UserWrite;

    /// <summary>The queue capacity when <c>[SharedQueue]</c> does not set one.</summary>
    public const int DefaultQueueCapacity = 1024;

    /// <summary>The suffix of the class generated for a <c>[SharedSegment]</c> struct: <c>Sample</c> → <c>SampleSegment</c>.</summary>
    public const string SegmentSuffix = "Segment";

    /// <summary>The suffix of the class generated for a <c>[SharedQueue]</c> struct: <c>Job</c> → <c>JobQueue</c>.</summary>
    public const string QueueSuffix = "Queue";

    /// <summary>The suffix of the class generated for a <c>[SharedTopic]</c> struct: <c>Tick</c> → <c>TickTopic</c>.</summary>
    public const string TopicSuffix = "Topic";
}

/// <summary>The values of <c>ShmGen.SegmentFormat</c>, as the attribute stores them and the generator reads them.</summary>
internal enum PayloadFormat
{
    /// <summary>ShmGen's header, then the payload.</summary>
    Standard = 0,

    /// <summary>The payload alone, byte for byte the C struct; the lock is a named semaphore.</summary>
    Raw = 1,
}

/// <summary>The bits of <c>System.IO.UnixFileMode</c> (which netstandard2.0, the generator's target, lacks), same values.</summary>
[System.Flags]
internal enum FileModeBits
{
    /// <summary>No permission.</summary>
    None = 0,

    /// <summary>0001.</summary>
    OtherExecute = 1,

    /// <summary>0002.</summary>
    OtherWrite = 2,

    /// <summary>0004.</summary>
    OtherRead = 4,

    /// <summary>0010.</summary>
    GroupExecute = 8,

    /// <summary>0020.</summary>
    GroupWrite = 16,

    /// <summary>0040.</summary>
    GroupRead = 32,

    /// <summary>0100.</summary>
    UserExecute = 64,

    /// <summary>0200.</summary>
    UserWrite = 128,

    /// <summary>0400.</summary>
    UserRead = 256,
}
