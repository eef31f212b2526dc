using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ShmGen.Inspection;
using ShmGen.Runtime;

namespace ShmGen.Tool;

/// <summary>Tables and details for people at a terminal.</summary>
internal static class HumanOutput
{
    private static readonly string[] s_columns = ["NAME", "STATUS", "TYPE", "SIZE", "MODE", "CREATOR", "IN USE", "LOCK", "ITEMS", "MAPPED BY"];

    /// <summary>The table of <c>shmgen list</c>; the caller says what to print when there is nothing to show.</summary>
    public static void WriteTable(TextWriter output, IReadOnlyList<SegmentInfo> segments, string whenEmpty)
    {
        if (segments.Count == 0)
        {
            output.WriteLine(whenEmpty);
            return;
        }

        WriteColumns(output, s_columns, segments.Select(s => new[]
        {
            s.Name,
            Status(s),
            s.IsShmGenSegment ? TypeOf(s) : "-",
            Size(s.FileSize),
            Octal(s.Mode),
            Creator(s),
            s.InUse switch { true => "yes", false => "no", null => "-" },
            LockSummary(JsonOutput.Lock(s.Lock)),
            Items(s),
            s.MappedBy is { Count: > 0 } pids ? string.Join(',', pids) : "-",
        }).ToList());
    }

    /// <summary>Left-aligned columns two spaces apart, the header first.</summary>
    public static void WriteColumns(TextWriter output, string[] columns, IReadOnlyList<string[]> rows)
    {
        var widths = columns.Select((c, i) => Math.Max(c.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        WriteRow(output, columns, widths);
        foreach (var row in rows)
        {
            WriteRow(output, row, widths);
        }
    }

    public static void WriteDetails(TextWriter output, SegmentInfo s)
    {
        var lines = new List<(string Label, string Value)>
        {
            ("Name", s.Name),
            ("Path", s.Path),
            ("Status", Status(s) + (s.Problem is null ? "" : $" ({s.Problem})")),
        };
        if (s.IsShmGenSegment)
        {
            lines.Add(("Kind", s.Kind switch { SegmentKind.Segment => "segment", SegmentKind.Queue => "queue", SegmentKind.Topic => "topic", _ => "-" }));
            lines.Add(("Type", s.TypeName ?? "-"));
            lines.Add(("Format version", s.FormatVersion?.ToString(CultureInfo.InvariantCulture) ?? "-"));
            lines.Add(("Layout fingerprint", s.LayoutFingerprint is { } f ? $"0x{f:X16}" : "-"));
            lines.Add(("Payload", s.PayloadSize is { } size ? $"{size} bytes at offset {s.PayloadOffset}" : "-"));
            lines.Add(("Total size", s.TotalSize is { } total ? $"{total} bytes" : "-"));
        }

        lines.Add(("File size", $"{s.FileSize} bytes"));
        lines.Add(("Mode", $"{Octal(s.Mode)} ({Symbolic(s.Mode)})"));
        lines.Add(("Owner uid", s.OwnerUserId.ToString(CultureInfo.InvariantCulture)));
        if (s.IsShmGenSegment)
        {
            lines.Add(("Creator", $"pid {Creator(s)}"));
            lines.Add(("In use", s.InUse switch
            {
                true => "yes (mapped or being opened by a process)",
                false => "no (no process maps it)",
                null => "unknown",
            }));
            lines.Add(("Lock", LockDetails(s.Lock)));
            if (s.Queue is { } queue)
            {
                lines.Add(("Queue", $"{queue.Count} of {queue.Capacity} items"));
            }

            if (s.Topic is { } topic)
            {
                lines.Add(("Topic", topic.NextSequence == 0
                    ? $"nothing published yet; keeps the last {topic.Capacity} items"
                    : $"last sequence number {topic.NextSequence - 1} ({topic.NextSequence} published); keeps the last {topic.Capacity} items"));
            }

            lines.Add(("Mapped by", MappedBy(s)));
            lines.Add(("Stale", s.IsStale ? "yes (shmgen gc removes it)" : "no"));
        }

        var width = lines.Max(l => l.Label.Length) + 2;
        foreach (var (label, value) in lines)
        {
            output.WriteLine((label + ":").PadRight(width) + value);
        }

        if (s.Layout is { } layout)
        {
            output.WriteLine($"{"Layout:".PadRight(width)}{layout.Size} bytes, aligned to {layout.Alignment}, {layout.Fields.Count} field{(layout.Fields.Count == 1 ? "" : "s")}{(layout.IsTruncated ? " (description truncated)" : "")}");
            var nameWidth = Math.Max(5, layout.Fields.Select(f => f.Name.Length).DefaultIfEmpty(0).Max());
            var typeWidth = Math.Max(4, layout.Fields.Select(f => f.Type.Length).DefaultIfEmpty(0).Max());
            output.WriteLine($"  {"OFFSET",6}  {"FIELD".PadRight(nameWidth)}  TYPE");
            foreach (var field in layout.Fields)
            {
                output.WriteLine($"  {field.Offset,6}  {field.Name.PadRight(nameWidth)}  {field.Type.PadRight(typeWidth)}".TrimEnd());
            }
        }
        else if (s.LayoutDescription is { } description)
        {
            output.WriteLine($"{"Layout:".PadRight(width)}{description}");
        }

        if (s.Values is { } values)
        {
            output.WriteLine($"{"Values:".PadRight(width)}read without the lock, so a field being written may show a torn value");
            var nameWidth = Math.Max(5, values.Select(v => v.Field.Name.Length).DefaultIfEmpty(0).Max());
            output.WriteLine($"  {"FIELD".PadRight(nameWidth)}  VALUE");
            foreach (var value in values)
            {
                output.WriteLine($"  {value.Field.Name.PadRight(nameWidth)}  {value.Value ?? $"? ({value.Problem})"}");
            }
        }
    }

    private static string MappedBy(SegmentInfo s)
    {
        if (s.MappedBy is not { } pids)
        {
            return "-";
        }

        var seen = pids.Count == 0 ? "no process this user can see" : "pid " + string.Join(", ", pids);
        return s.UncheckedProcessCount == 0
            ? seen
            : $"{seen} ({s.UncheckedProcessCount} other users' processes could not be checked: run as root to see them)";
    }

    public static string TypeOf(SegmentInfo s) =>
        (s.TypeName ?? "?") + s.Kind switch { SegmentKind.Queue => " (queue)", SegmentKind.Topic => " (topic)", _ => "" };

    /// <summary>The ITEMS column: a queue's depth of its capacity, a topic's publish count and capacity.</summary>
    public static string Items(SegmentInfo s) => s switch
    {
        { Queue: { } q } => $"{q.Count}/{q.Capacity}",
        { Topic: { } t } => $"#{t.NextSequence} ({t.Capacity})",
        _ => "-",
    };

    public static string Size(long bytes) => bytes switch
    {
        < 10 * 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.#} GiB"),
    };

    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    private static string Status(SegmentInfo s) => s.IsStale ? "stale" : s.Status switch
    {
        SegmentStatus.Ready => "ready",
        SegmentStatus.Initializing => "initializing",
        SegmentStatus.Corrupted => "corrupted",
        SegmentStatus.NotShmGen => "not ShmGen",
        SegmentStatus.Unreadable => "unreadable",
        _ => s.Status.ToString(),
    };

    private static string Creator(SegmentInfo s) =>
        s.CreatorProcessId is { } pid ? $"{pid} ({(s.CreatorAlive ? "alive" : "dead")})" : "-";

    public static string LockSummary(LockReport? info) => info?.State switch
    {
        null => "-",
        "free" => "free",
        "held" => $"held by {info.OwnerPid}/{info.OwnerThreadId}",
        "abandoned" => info.OwnerThreadId is null ? "abandoned" : $"abandoned by {info.OwnerThreadId}",
        "notRecoverable" => "not recoverable",
        _ => info.State,
    };

    private static string LockDetails(SegmentLockInfo? info) => info?.State switch
    {
        null => "-",
        SegmentLockState.Free => "free",
        SegmentLockState.Held => $"held by thread {info.OwnerThreadId} of process {info.OwnerProcessId} (alive)",
        SegmentLockState.Abandoned => $"abandoned: its holder{(info.OwnerThreadId == 0 ? "" : $" (thread {info.OwnerThreadId})")} died holding it; the next Lock() repairs it (WasAbandoned)",
        SegmentLockState.NotRecoverable => "not recoverable: a holder died and the repair did not complete; recreate the segment",
        _ => info.State.ToString(),
    };

    private static string Symbolic(UnixFileMode mode)
    {
        Span<char> text = stackalloc char[9];
        const string letters = "rwxrwxrwx";
        for (var i = 0; i < 9; i++)
        {
            text[i] = ((int)mode & (1 << (8 - i))) != 0 ? letters[i] : '-';
        }

        return new string(text);
    }

    private static void WriteRow(TextWriter output, string[] cells, int[] widths) =>
        output.WriteLine(string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
}
