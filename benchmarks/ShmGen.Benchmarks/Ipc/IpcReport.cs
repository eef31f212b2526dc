using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>Formats ipc results: the markdown table for the README and the JSON array for tools.</summary>
internal static class IpcReport
{
    public const string FloorMechanism = "c-spin";

    public static string Markdown(IReadOnlyList<IpcResult> results, int roundTrips, IReadOnlyList<(string Mechanism, string Note)> unavailable)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Round-trip time (ns) of one message between two processes, {roundTrips:N0} round trips per row after warm-up.");
        text.AppendLine("msgs/s counts one-way messages (two per round trip); \"x c-spin\" is p50 over the C spin floor's p50 at the same size.");
        text.AppendLine();
        text.AppendLine("| mechanism | size (B) | p50 | p99 | p99.9 | msgs/s | x c-spin |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results.OrderBy(r => r.Size))
        {
            if (result.Samples is not { } samples)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Label} | {result.Size} | failed: {result.Error} | | | | |");
                continue;
            }

            var floor = results.FirstOrDefault(r => r.Mechanism == FloorMechanism && r.Size == result.Size)?.Samples;
            var ratio = floor is null ? "n/a" : ((double)samples.P50 / floor.P50).ToString("F2", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Label} | {result.Size} | {samples.P50:N0} | {samples.P99:N0} | {samples.P999:N0} | {samples.MessagesPerSecond:N0} | {ratio} |");
        }

        AppendUnavailable(text, unavailable);
        return text.ToString();
    }

    /// <summary>The mechanisms this machine could not measure and why, under the table (shared with the queue table).</summary>
    public static void AppendUnavailable(StringBuilder text, IReadOnlyList<(string Mechanism, string Note)> unavailable)
    {
        if (unavailable.Count > 0)
        {
            text.AppendLine();
            foreach (var (mechanism, note) in unavailable)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"Not measured: {mechanism}: {note}");
            }
        }
    }

    public static string Json(IReadOnlyList<IpcResult> results)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var result in results.Where(r => r.Samples is not null))
            {
                var samples = result.Samples!;
                writer.WriteStartObject();
                writer.WriteString("mechanism", result.Mechanism);
                writer.WriteString("label", result.Label);
                writer.WriteNumber("size", result.Size);
                writer.WriteNumber("rtt_p50_ns", samples.P50);
                writer.WriteNumber("rtt_p99_ns", samples.P99);
                writer.WriteNumber("rtt_p999_ns", samples.P999);
                writer.WriteNumber("msgs_per_s", Math.Round(samples.MessagesPerSecond));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
