using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.IO;
using System.IO.Enumeration;
using System.Linq;
using ShmGen.Inspection;

namespace ShmGen.Tool;

/// <summary>The <c>shmgen</c> command line: list, inspect, top, rm, gc.</summary>
internal static class ShmGenCommand
{
    public const int Success = 0;
    public const int Failure = 1;

    /// <summary>Parses and runs one command line, writing results to <paramref name="output"/> and problems to
    /// <paramref name="error"/> (with <c>--json</c>, problems too go to <paramref name="output"/> as JSON); returns the
    /// exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Create(output, error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && args.Contains("--json"))
        {
            JsonOutput.WriteError(output, JsonOutput.Error("usage", string.Join(" ", parsed.Errors.Select(e => e.Message))));
            return Failure;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static Command Create(TextWriter output, TextWriter error)
    {
        var json = new Option<bool>("--json") { Description = "Write JSON for scripts instead of a human-readable table (errors too, with exit code 1)." };
        var all = new Option<bool>("--all", "-a") { Description = "Also list files in /dev/shm that are not ShmGen segments." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only report what would be removed." };
        var values = new Option<bool>("--values", "-v") { Description = "Also show the current value of every field (read with pread, without the lock: never mapped, never locked)." };
        var interval = new Option<double>("--interval", "-d") { Description = "Seconds between refreshes.", DefaultValueFactory = _ => 1.0 };
        var iterations = new Option<int?>("--iterations", "-n") { Description = "Stop after this many refreshes (default: until q or Ctrl+C)." };
        var once = new Option<bool>("--once") { Description = "One refresh, then exit (the same as --iterations 1)." };
        var name = new Argument<string>("name") { Description = "The segment name, without the leading '/' (\"/name\" and \"/dev/shm/name\" are accepted too)." };
        Argument<string?> Pattern() => new("pattern") { Description = "Only names matching this wildcard pattern (* and ?), e.g. 'myapp-*'.", Arity = ArgumentArity.ZeroOrOne };
        var listPattern = Pattern();
        var gcPattern = Pattern();
        var topPattern = Pattern();
        var names = new Argument<string[]>("names") { Description = "The segment names, without the leading '/'.", Arity = ArgumentArity.OneOrMore };

        var list = new Command("list", "List the ShmGen segments in /dev/shm: type, size, mode, creator, whether any process maps them and which, who holds the lock, a queue's depth.")
        {
            listPattern,
            all,
            json,
        };
        list.Aliases.Add("ls");
        list.SetAction(result => List(output, result.GetValue(listPattern), result.GetValue(all), result.GetValue(json)));

        var inspect = new Command("inspect", "Show one segment's decoded header, layout, queue depth, the processes that map it and (--values) its field values.") { name, values, json };
        inspect.SetAction(result => Inspect(output, error, Normalize(result.GetValue(name)!), result.GetValue(values), result.GetValue(json)));

        var top = new Command("top", "A live view of every segment and queue, refreshed in place: lock holder, queue depth, rates, stale or alive. Plain text when the output is not a terminal.")
        {
            topPattern,
            interval,
            iterations,
            once,
            json,
        };
        top.SetAction(result => Top(output, error, result.GetValue(topPattern), result.GetValue(interval), result.GetValue(once) ? 1 : result.GetValue(iterations), result.GetValue(json)));

        var remove = new Command("rm", "Remove segments by name, like ipcrm: processes that map them keep their mapping, new opens fail. Refuses files that are not ShmGen segments.")
        {
            names,
            json,
        };
        remove.SetAction(result => Remove(output, error, result.GetValue(names)!.Select(Normalize).ToList(), result.GetValue(json)));

        var gc = new Command("gc", "Remove stale segments: those whose creator is dead and that no process maps. Never touches a segment in use or a file that is not a ShmGen segment.")
        {
            gcPattern,
            dryRun,
            json,
        };
        gc.SetAction(result => CollectGarbage(output, Matcher(result.GetValue(gcPattern)), result.GetValue(dryRun), result.GetValue(json)));

        // Not a RootCommand, which names itself after the entry assembly (ShmGen.Tool): usage says what users type.
        return new Command("shmgen", "Inspect and clean up ShmGen shared memory segments in /dev/shm.")
        {
            new HelpOption(),
            new VersionOption(),
            list,
            inspect,
            top,
            remove,
            gc,
            BridgeCommand.Create(output, error),
        };
    }

    private static int List(TextWriter output, string? pattern, bool all, bool json)
    {
        var found = SegmentInspector.List(Matcher(pattern));
        var shown = all ? found : found.Where(s => s.IsShmGenSegment).ToList();
        if (json)
        {
            JsonOutput.WriteList(output, pattern, shown);
            return Success;
        }

        HumanOutput.WriteTable(output, shown, (pattern, found.Count) switch
        {
            (null, _) => "No ShmGen segments in /dev/shm.",
            (_, 0) => $"No file in /dev/shm matches '{pattern}'.",
            _ => $"No ShmGen segment in /dev/shm matches '{pattern}'.",
        });
        var others = found.Count - shown.Count;
        if (others > 0)
        {
            output.WriteLine(others == 1
                ? "1 other file in /dev/shm is not a ShmGen segment (--all shows it)."
                : $"{others} other files in /dev/shm are not ShmGen segments (--all shows them).");
        }

        return Success;
    }

    private static int Inspect(TextWriter output, TextWriter error, string name, bool values, bool json)
    {
        SegmentInfo segment;
        try
        {
            segment = SegmentInspector.Inspect(name, values);
        }
        catch (Exception e) when (IsUserError(e))
        {
            return Fail(output, error, json, "inspect", e, name);
        }

        if (!segment.IsShmGenSegment)
        {
            var message = $"'{segment.Path}' is not a ShmGen segment: {segment.Problem}.";
            if (json)
            {
                JsonOutput.WriteError(output, JsonOutput.Error(segment.Status == SegmentStatus.Unreadable ? "accessDenied" : "notShmGen", message, name, segment));
                return Failure;
            }

            HumanOutput.WriteDetails(output, segment);
            error.WriteLine($"shmgen inspect: {message}");
            return Failure;
        }

        if (json)
        {
            JsonOutput.WriteSegment(output, segment);
        }
        else
        {
            HumanOutput.WriteDetails(output, segment);
        }

        return Success;
    }

    private static int Top(TextWriter output, TextWriter error, string? pattern, double seconds, int? iterations, bool json)
    {
        if (!double.IsFinite(seconds) || seconds is < 0.05 or > 3600 || iterations is < 1)
        {
            return Fail(output, error, json, "top", new ArgumentException("--interval must be between 0.05 and 3600 seconds and --iterations at least 1."), null);
        }

        try
        {
            return TopView.Run(output, Matcher(pattern), TimeSpan.FromSeconds(seconds), iterations, json);
        }
        catch (Exception e) when (IsUserError(e))
        {
            return Fail(output, error, json, "top", e, null);
        }
    }

    private static int Remove(TextWriter output, TextWriter error, IReadOnlyList<string> names, bool json)
    {
        var removed = new List<SegmentInfo>();
        var errors = new List<ErrorReport>();
        foreach (var name in names)
        {
            try
            {
                removed.Add(SegmentInspector.Remove(name));
            }
            catch (Exception e) when (IsUserError(e))
            {
                errors.Add(JsonOutput.Error(ErrorKind(e), e.Message, name));
                if (!json)
                {
                    error.WriteLine($"shmgen rm: {e.Message}");
                }
            }
        }

        if (json)
        {
            JsonOutput.WriteRemoval(output, removed, errors, dryRun: false);
        }
        else
        {
            foreach (var segment in removed)
            {
                output.WriteLine(segment.InUse == true
                    ? $"removed {segment.Name} (still mapped by a running process: its mapping stays valid until it unmaps)"
                    : $"removed {segment.Name}");
            }
        }

        return errors.Count == 0 ? Success : Failure;
    }

    private static int CollectGarbage(TextWriter output, Func<string, bool>? filter, bool dryRun, bool json)
    {
        var stale = SegmentInspector.CollectGarbage(dryRun, filter);
        if (json)
        {
            JsonOutput.WriteRemoval(output, stale, [], dryRun);
            return Success;
        }

        foreach (var segment in stale)
        {
            output.WriteLine($"{(dryRun ? "would remove" : "removed")} {segment.Name} ({HumanOutput.TypeOf(segment)}, {HumanOutput.Size(segment.FileSize)}, creator pid {segment.CreatorProcessId?.ToString(CultureInfo.InvariantCulture)} is dead, no process maps it)");
        }

        output.WriteLine(stale.Count == 0
            ? "No stale ShmGen segments."
            : $"{stale.Count} stale segment{(stale.Count == 1 ? "" : "s")} {(dryRun ? "would be removed (dry run)" : "removed")}.");
        return Success;
    }

    /// <summary>Reports a failed command: JSON on <paramref name="output"/> with <c>--json</c>, text on <paramref name="error"/> otherwise.</summary>
    private static int Fail(TextWriter output, TextWriter error, bool json, string command, Exception e, string? name)
    {
        if (json)
        {
            JsonOutput.WriteError(output, JsonOutput.Error(ErrorKind(e), e.Message, name));
        }
        else
        {
            error.WriteLine($"shmgen {command}: {e.Message}");
        }

        return Failure;
    }

    private static string ErrorKind(Exception e) => e switch
    {
        SegmentNotFoundException => "notFound",
        ArgumentException => "invalidName",
        UnauthorizedAccessException => "accessDenied",
        InvalidDataException => "notShmGen",
        PlatformNotSupportedException => "notSupported",
        _ => "io",
    };

    private static Func<string, bool>? Matcher(string? pattern) =>
        pattern is null ? null : name => FileSystemName.MatchesSimpleExpression(Normalize(pattern), name, ignoreCase: false);

    /// <summary>Accepts the name as ShmGen spells it ("name"), as POSIX does ("/name") and as a path ("/dev/shm/name").</summary>
    private static string Normalize(string name)
    {
        const string directory = "/dev/shm/";
        return name.StartsWith(directory, StringComparison.Ordinal) ? name[directory.Length..]
            : name.StartsWith('/') ? name[1..]
            : name;
    }

    private static bool IsUserError(Exception e) =>
        e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException;
}
