using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using ShmGen.Benchmarks.Ipc;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>Formats queue results: the markdown table for the README and the JSON array for tools.</summary>
internal static class ThroughputReport
{
    public const string BaselineMechanism = "unix-socket";

    public static string Markdown(IReadOnlyList<ThroughputResult> results, IReadOnlyList<(string Mechanism, string Note)> unavailable)
    {
        var text = new StringBuilder();
        text.AppendLine("Items per second from producer processes to consumer processes (measured items after a 25% warm-up; every item");
        text.AppendLine("checked once by a consumer). pipe and unix-socket: one stream per producer/consumer pair, one write(2) per item;");
        text.AppendLine("iceoryx: one publisher/subscriber pair per producer/consumer pair; shmgen-queue and boost-message-queue: one queue for all.");
        text.AppendLine("shmgen-topic: every subscriber gets every item; items/s is the slowest subscriber's receive rate, missed the items");
        text.AppendLine("its subscribers were told they missed (the publisher never waits for them). shmgen-queue-batch32: EnqueueRange/DequeueRange");
        text.AppendLine("of 32; shmgen-queue-loans: BeginEnqueue/Commit and BeginDequeue, the stamps written and read in the slot, no copy.");
        text.AppendLine("MB/s = items/s x item size / 10^6; \"x unix-socket\" is items/s over unix-socket's at the same size and topology.");
        text.AppendLine();
        text.AppendLine("| mechanism | item (B) | P x C | items | items/s | MB/s | x unix-socket | missed |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results.OrderBy(r => r.Size).ThenBy(r => r.Producers).ThenBy(r => r.Consumers))
        {
            var topology = $"{result.Producers}x{result.Consumers}";
            if (result.Error is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Mechanism} | {result.Size} | {topology} | {result.Items:N0} | failed: {result.Error} | | | |");
                continue;
            }

            var baseline = results.FirstOrDefault(r => r.Mechanism == BaselineMechanism && r.Size == result.Size && r.Producers == result.Producers && r.Consumers == result.Consumers && r.Error is null);
            var ratio = baseline is null ? "n/a" : (result.ItemsPerSecond / baseline.ItemsPerSecond).ToString("F1", CultureInfo.InvariantCulture);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Mechanism} | {result.Size} | {topology} | {result.Items:N0} | {result.ItemsPerSecond:N0} | {MegabytesPerSecond(result):N0} | {ratio} | {(result.Mechanism == "shmgen-topic" ? result.Missed.ToString("N0", CultureInfo.InvariantCulture) : "")} |");
        }

        IpcReport.AppendUnavailable(text, unavailable);
        return text.ToString();
    }

    public static string Json(IReadOnlyList<ThroughputResult> results)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartArray();
            foreach (var result in results.Where(r => r.Error is null))
            {
                writer.WriteStartObject();
                writer.WriteString("mechanism", result.Mechanism);
                writer.WriteNumber("item_size", result.Size);
                writer.WriteNumber("producers", result.Producers);
                writer.WriteNumber("consumers", result.Consumers);
                writer.WriteNumber("items", result.Items);
                writer.WriteNumber("items_per_s", Math.Round(result.ItemsPerSecond));
                writer.WriteNumber("mb_per_s", Math.Round(MegabytesPerSecond(result), 1));
                writer.WriteNumber("missed", result.Missed);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static double MegabytesPerSecond(ThroughputResult result) => result.ItemsPerSecond * result.Size / 1e6;
}
