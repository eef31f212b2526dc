namespace ShmGen.Inspection;

/// <summary>What a ShmGen segment holds: a <c>[SharedSegment]</c> struct, a <c>[SharedQueue]</c> or a <c>[SharedTopic]</c>
/// (<see cref="SegmentInfo.Kind"/>; the header stores the value).</summary>
public enum SegmentKind
{
    /// <summary>A <c>[SharedSegment]</c>: one struct.</summary>
    Segment = 1,

    /// <summary>A <c>[SharedQueue]</c>: a ring of items plus its control block.</summary>
    Queue = 2,

    /// <summary>A <c>[SharedTopic]</c>: a ring of the last items published plus its control block.</summary>
    Topic = 3,
}
