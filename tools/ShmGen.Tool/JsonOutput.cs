using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization;
using ShmGen.Inspection;

namespace ShmGen.Tool;

/// <summary>
/// JSON for scripts. Stable field names (camelCase); every field present (null when unknown); 64-bit fingerprints as
/// hex strings, since JSON numbers lose precision past 2^53 in most readers; modes as octal strings.
/// </summary>
internal static class JsonOutput
{
    public static void WriteList(TextWriter output, IReadOnlyList<SegmentInfo> segments) =>
        Write(output, new ListReport("/dev/shm", segments.Select(Report).ToList()), ToolJsonContext.Default.ListReport);

    public static void WriteSegment(TextWriter output, SegmentInfo segment) =>
        Write(output, Report(segment), ToolJsonContext.Default.SegmentReport);

    public static void WriteRemoval(TextWriter output, IReadOnlyList<SegmentInfo> segments, bool dryRun) =>
        Write(output, new RemovalReport(dryRun, segments.Select(Report).ToList()), ToolJsonContext.Default.RemovalReport);

    private static void Write<T>(TextWriter output, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
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
        s.Lock is { } l ? new LockReport(JsonNamingPolicy.CamelCase.ConvertName(l.State.ToString()), l.OwnerThreadId == 0 ? null : l.OwnerThreadId, l.OwnerProcessId) : null,
        s.LayoutDescription,
        s.Layout is { } layout
            ? new LayoutReport(layout.Size, layout.Alignment, layout.IsTruncated, layout.Fields.Select(x => new FieldReport(x.Name, x.Type, x.Offset)).ToList())
            : null);
}

internal sealed record ListReport(string Directory, IReadOnlyList<SegmentReport> Segments);

internal sealed record RemovalReport(bool DryRun, IReadOnlyList<SegmentReport> Removed);

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
    LockReport? Lock,
    string? LayoutDescription,
    LayoutReport? Layout);

internal sealed record LockReport(string State, int? OwnerThreadId, int? OwnerPid);

internal sealed record LayoutReport(int Size, int Alignment, bool Truncated, IReadOnlyList<FieldReport> Fields);

internal sealed record FieldReport(string Name, string Type, int Offset);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ListReport))]
[JsonSerializable(typeof(RemovalReport))]
[JsonSerializable(typeof(SegmentReport))]
internal sealed partial class ToolJsonContext : JsonSerializerContext;
