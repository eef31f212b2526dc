namespace ShmGen.Generator;

/// <summary>Every type the generator reads or writes, by metadata name or global::-qualified name.</summary>
internal static class TypeNames
{
    public const string SharedSegmentAttributeMetadataName = "ShmGen.SharedSegmentAttribute";
    public const string SharedQueueAttributeMetadataName = "ShmGen.SharedQueueAttribute";
    public const string SharedTopicAttributeMetadataName = "ShmGen.SharedTopicAttribute";

    public const string SegmentOptions = "global::ShmGen.SegmentOptions";
    public const string SegmentFormat = "global::ShmGen.SegmentFormat";
    public const string SegmentMapping = "global::ShmGen.Runtime.SegmentMapping";
    public const string SegmentDefinition = "global::ShmGen.Runtime.SegmentDefinition";
    public const string SegmentKind = "global::ShmGen.Inspection.SegmentKind";
    public const string LockRepair = "global::ShmGen.Runtime.LockRepair";
    public const string QueueRing = "global::ShmGen.Runtime.QueueRing";
    public const string QueueDefinition = "global::ShmGen.Runtime.QueueDefinition";
    public const string TopicRing = "global::ShmGen.Runtime.TopicRing";
    public const string TopicSubscriber = "global::ShmGen.Runtime.TopicSubscriber";
    public const string TopicDefinition = "global::ShmGen.Runtime.TopicDefinition";
    public const string IDisposable = "global::System.IDisposable";
    public const string TimeSpan = "global::System.TimeSpan";
    public const string CancellationToken = "global::System.Threading.CancellationToken";
    public const string ValueTask = "global::System.Threading.Tasks.ValueTask";
    public const string IAsyncEnumerable = "global::System.Collections.Generic.IAsyncEnumerable";
    public const string UnixFileMode = "global::System.IO.UnixFileMode";
    public const string Span = "global::System.Span";
    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string Timeout = "global::System.Threading.Timeout";
    public const string Socket = "global::System.Net.Sockets.Socket";
    public const string GeneratedCode = "global::System.CodeDom.Compiler.GeneratedCode";
    public const string EditorBrowsable = "global::System.ComponentModel.EditorBrowsable";
    public const string EditorBrowsableState = "global::System.ComponentModel.EditorBrowsableState";
}
