namespace ShmGen.Generator;

/// <summary>Names of the incremental steps, so tests can assert each is cached after an unrelated edit.</summary>
internal static class TrackingNames
{
    public const string SegmentSpecs = nameof(SegmentSpecs);
    public const string ValidSegments = nameof(ValidSegments);
    public const string QueueSpecs = nameof(QueueSpecs);
    public const string ValidQueues = nameof(ValidQueues);
    public const string TopicSpecs = nameof(TopicSpecs);
    public const string ValidTopics = nameof(ValidTopics);
}
