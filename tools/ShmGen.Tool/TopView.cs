using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Spectre.Console;

namespace ShmGen.Tool;

/// <summary>
/// <c>shmgen top</c>: a live table in a terminal (Spectre.Console, redrawn in place, q or Ctrl+C quits), plain text
/// blocks when the output is a pipe or a file, or one JSON line per refresh for scripts.
/// </summary>
internal static class TopView
{
    private static readonly string[] s_columns = ["NAME", "KIND", "TYPE", "SIZE", "LOCK", "DEPTH", "RATE", "STATE", "MAPPED BY"];

    public static int Run(TextWriter output, Func<string, bool>? filter, TimeSpan interval, int? iterations, bool json)
    {
        var sampler = new TopSampler(filter);
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            if (!json && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected)
            {
                RunLive(sampler, interval, iterations, stop.Token);
                return ShmGenCommand.Success;
            }

            for (var i = 0; iterations is null || i < iterations; i++)
            {
                if (i > 0 && stop.Token.WaitHandle.WaitOne(interval))
                {
                    break;
                }

                var frame = sampler.Sample();
                if (json)
                {
                    JsonOutput.WriteFrame(output, frame);
                }
                else
                {
                    WritePlain(output, frame);
                }

                output.Flush();
            }

            return ShmGenCommand.Success;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static void RunLive(TopSampler sampler, TimeSpan interval, int? iterations, CancellationToken stop)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        var frame = sampler.Sample();
        console.Live(Render(frame, interval)).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(context =>
        {
            for (var i = 1; iterations is null || i < iterations; i++)
            {
                if (WaitOrQuit(interval, stop))
                {
                    return;
                }

                frame = sampler.Sample();
                context.UpdateTarget(Render(frame, interval));
                context.Refresh();
            }
        });
    }

    /// <summary>Waits one interval; true when the user asked to quit (q, Esc or Ctrl+C).</summary>
    private static bool WaitOrQuit(TimeSpan interval, CancellationToken stop)
    {
        var until = DateTime.UtcNow + interval;
        while (DateTime.UtcNow < until)
        {
            if (stop.IsCancellationRequested)
            {
                return true;
            }

            while (!Console.IsInputRedirected && Console.KeyAvailable)
            {
                if (Console.ReadKey(intercept: true).Key is ConsoleKey.Q or ConsoleKey.Escape)
                {
                    return true;
                }
            }

            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Clamp((until - DateTime.UtcNow).TotalMilliseconds, 0, 50)));
        }

        return false;
    }

    private static Table Render(TopFrame frame, TimeSpan interval)
    {
        var table = new Table().Border(TableBorder.Simple).Expand();
        table.Title = new TableTitle($"shmgen top: {frame.Segments.Count} segment{(frame.Segments.Count == 1 ? "" : "s")} in /dev/shm, every {Seconds(interval)} s, {DateTime.Now:HH:mm:ss}");
        table.Caption = new TableTitle("q quits");
        foreach (var column in s_columns)
        {
            var tableColumn = new TableColumn(column);
            table.AddColumn(column is "SIZE" or "DEPTH" or "RATE" ? tableColumn.RightAligned() : tableColumn);
        }

        if (frame.Segments.Count == 0)
        {
            table.AddRow(new Markup("[grey]no ShmGen segments[/]"));
        }

        foreach (var row in frame.Segments)
        {
            var cells = Cells(row);
            var color = row.State switch { "alive" => "green", "stale" => "yellow", "corrupted" => "red", _ => "grey" };
            cells[7] = $"[{color}]{Markup.Escape(cells[7])}[/]";
            if (row.Lock?.State is "abandoned" or "notRecoverable")
            {
                cells[4] = $"[red]{Markup.Escape(cells[4])}[/]";
            }

            table.AddRow(cells.Select((c, i) => i is 4 or 7 ? new Markup(c) : new Markup(Markup.Escape(c))).ToArray());
        }

        return table;
    }

    private static void WritePlain(TextWriter output, TopFrame frame)
    {
        output.WriteLine($"shmgen top {frame.Time}: {frame.Segments.Count} segment{(frame.Segments.Count == 1 ? "" : "s")}");
        HumanOutput.WriteColumns(output, s_columns, frame.Segments.Select(Cells).ToList());
        output.WriteLine();
    }

    private static string[] Cells(TopRow row) =>
    [
        row.Name,
        row.Kind ?? "-",
        row.TypeName ?? "-",
        HumanOutput.Size(row.FileSize),
        HumanOutput.LockSummary(row.Lock),
        row switch
        {
            { Queue: { } q } => $"{q.Count}/{q.Capacity}",
            { Topic: { } t } => $"#{t.Published} ({t.Capacity})",
            _ => "-",
        },
        Rate(row),
        row.State,
        row.MappedBy.Count == 0 ? "-" : string.Join(',', row.MappedBy),
    ];

    private static string Rate(TopRow row) => row switch
    {
        { EnqueuedPerSecond: { } i, DequeuedPerSecond: { } o } => $"+{PerSecond(i)} -{PerSecond(o)} /s",
        { PublishedPerSecond: { } p } => $"+{PerSecond(p)} /s",
        { FieldChangesPerSecond: { } c } => c == 0 ? "idle" : $"{PerSecond(c)} fields/s",
        _ => "-",
    };

    private static string PerSecond(double value) => value switch
    {
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{value / 1e6:0.#}M"),
        >= 1e4 => string.Create(CultureInfo.InvariantCulture, $"{value / 1e3:0.#}k"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:0.#}"),
    };

    private static string Seconds(TimeSpan interval) => interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
