using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ShmGen.Inspection;

namespace ShmGen.Tool;

/// <summary>
/// JSON for scripts. Stable field names (camelCase); every field present (null when unknown); 64-bit fingerprints as
/// hex strings, since JSON numbers lose precision past 2^53 in most readers; modes as octal strings; field values as
/// strings for the same reason. Errors are JSON too (<see cref="ErrorReport"/>), on stdout, with exit code 1.
/// </summary>
internal static class JsonOutput
{
    // Readable text in messages ('name', not \u0027name\u0027): the output goes to terminals and scripts, never into HTML.
    private static readonly ToolJsonContext s_context = new(new JsonSerializerOptions(ToolJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    private static readonly TopJsonContext s_topContext = new(new JsonSerializerOptions(TopJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static void WriteList(TextWriter output, string? pattern, IReadOnlyList<SegmentInfo> segments) =>
        Write(output, new ListReport("/dev/shm", pattern, segments.Select(Report).ToList()), s_context.ListReport);

    public static void WriteSegment(TextWriter output, SegmentInfo segment) =>
        Write(output, Report(segment), s_context.SegmentReport);

    public static void WriteRemoval(TextWriter output, IReadOnlyList<SegmentInfo> segments, IReadOnlyList<ErrorReport> errors, bool dryRun) =>
        Write(output, new RemovalReport(dryRun, segments.Select(Report).ToList(), errors), s_context.RemovalReport);

    public static void WriteError(TextWriter output, ErrorReport error) =>
        Write(output, error, s_context.ErrorReport);

    /// <summary>One refresh of <c>shmgen top</c>, as one line (JSON Lines: a script reads a frame per line).</summary>
    public static void WriteFrame(TextWriter output, TopFrame frame) =>
        output.WriteLine(JsonSerializer.Serialize(frame, s_topContext.TopFrame));

    public static ErrorReport Error(string kind, string message, string? name = null, SegmentInfo? segment = null) =>
        new(kind, message, name, segment is null ? null : Report(segment));

    private static void Write<T>(TextWriter output, T value, JsonTypeInfo<T> typeInfo) =>
        output.WriteLine(JsonSerializer.Serialize(value, typeInfo));

    private static SegmentReport Report(SegmentInfo s) => new(
        s.Name,
        s.Path,
        JsonNamingPolicy.CamelCase.ConvertName(s.Status.ToString()),
        s.IsShmGenSegment,
        s.IsStale,
        s.Problem,
        s.Kind?.ToString().ToLowerInvariant(),
        s.TypeName,
        s.FormatVersion,
        s.LayoutFingerprint is { } f ? "0x" + f.ToString("X16", CultureInfo.InvariantCulture) : null,
        s.FileSize,
        s.PayloadOffset,
        s.PayloadSize,
        s.TotalSize,
        HumanOutput.Octal(s.Mode),
        s.OwnerUserId,
        s.CreatorProcessId,
        s.CreatorProcessId is null ? null : s.CreatorAlive,
        s.InUse,
        s.MappedBy,
        s.MappedBy is null ? null : s.UncheckedProcessCount,
        Lock(s.Lock),
        s.Queue is { } q ? new QueueReport(q.Capacity, q.Count) : null,
        s.Topic is { } t ? new TopicReport(t.Capacity, t.NextSequence, t.NextSequence - 1) : null,
        s.LayoutDescription,
        s.Layout is { } layout
            ? new LayoutReport(layout.Size, layout.Alignment, layout.IsTruncated, layout.Fields.Select(x => new FieldReport(x.Name, x.Type, x.Offset)).ToList())
            : null,
        s.Values?.Select(v => new ValueReport(v.Field.Name, v.Field.Type, v.Field.Offset, v.Value, v.Problem)).ToList());

    public static LockReport? Lock(SegmentLockInfo? l) =>
        l is null ? null : new LockReport(JsonNamingPolicy.CamelCase.ConvertName(l.State.ToString()), l.OwnerThreadId == 0 ? null : l.OwnerThreadId, l.OwnerProcessId);
}

internal sealed record ListReport(string Directory, string? Pattern, IReadOnlyList<SegmentReport> Segments);

internal sealed record RemovalReport(bool DryRun, IReadOnlyList<SegmentReport> Removed, IReadOnlyList<ErrorReport> Errors);

/// <summary>What went wrong: <paramref name="Error"/> is a stable kind (<c>notFound</c>, <c>invalidName</c>,
/// <c>accessDenied</c>, <c>notShmGen</c>, <c>io</c>, <c>notSupported</c>, <c>usage</c>) for scripts to branch on.</summary>
internal sealed record ErrorReport(string Error, string Message, string? Name, SegmentReport? Segment);

internal sealed record SegmentReport(
    string Name,
    string Path,
    string Status,
    bool IsShmGen,
    bool IsStale,
    string? Problem,
    string? Kind,
    string? TypeName,
    uint? FormatVersion,
    string? LayoutFingerprint,
    long FileSize,
    ulong? PayloadOffset,
    ulong? PayloadSize,
    ulong? TotalSize,
    string Mode,
    uint OwnerUid,
    int? CreatorPid,
    bool? CreatorAlive,
    bool? InUse,
    IReadOnlyList<int>? MappedBy,
    int? UncheckedProcesses,
    LockReport? Lock,
    QueueReport? Queue,
    TopicReport? Topic,
    string? LayoutDescription,
    LayoutReport? Layout,
    IReadOnlyList<ValueReport>? Values);

internal sealed record LockReport(string State, int? OwnerThreadId, int? OwnerPid);

internal sealed record QueueReport(int Capacity, int Count);

/// <summary>A topic's capacity, publish count, and last sequence number (-1 before the first publish).</summary>
internal sealed record TopicReport(int Capacity, long Published, long LastSequence);

internal sealed record LayoutReport(int Size, int Alignment, bool Truncated, IReadOnlyList<FieldReport> Fields);

internal sealed record FieldReport(string Name, string Type, int Offset);

internal sealed record ValueReport(string Name, string Type, int Offset, string? Value, string? Problem);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ListReport))]
[JsonSerializable(typeof(RemovalReport))]
[JsonSerializable(typeof(SegmentReport))]
[JsonSerializable(typeof(ErrorReport))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(TopFrame))]
internal sealed partial class TopJsonContext : JsonSerializerContext;
