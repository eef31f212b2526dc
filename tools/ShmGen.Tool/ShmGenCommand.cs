using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Help;
using System.IO;
using System.IO.Enumeration;
using System.Linq;
using ShmGen.Inspection;

namespace ShmGen.Tool;

/// <summary>The <c>shmgen</c> command line: list, inspect, rm, gc.</summary>
internal static class ShmGenCommand
{
    public const int Success = 0;
    public const int Failure = 1;

    /// <summary>Parses and runs one command line, writing results to <paramref name="output"/> and problems to
    /// <paramref name="error"/>; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Create(output, error);
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static Command Create(TextWriter output, TextWriter error)
    {
        var json = new Option<bool>("--json") { Description = "Write JSON for scripts instead of a human-readable table." };
        var all = new Option<bool>("--all", "-a") { Description = "Also list files in /dev/shm that are not ShmGen segments." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Only report what would be removed." };
        var name = new Argument<string>("name") { Description = "The segment name, without the leading '/' (\"/name\" and \"/dev/shm/name\" are accepted too)." };
        var listPattern = new Argument<string?>("pattern") { Description = "Only names matching this wildcard pattern (* and ?), e.g. 'myapp-*'.", Arity = ArgumentArity.ZeroOrOne };
        var gcPattern = new Argument<string?>("pattern") { Description = "Only names matching this wildcard pattern (* and ?), e.g. 'myapp-*'.", Arity = ArgumentArity.ZeroOrOne };
        var names = new Argument<string[]>("names") { Description = "The segment names, without the leading '/'.", Arity = ArgumentArity.OneOrMore };

        var list = new Command("list", "List the ShmGen segments in /dev/shm: type, size, mode, creator, whether any process maps them, who holds the lock.")
        {
            listPattern,
            all,
            json,
        };
        list.Aliases.Add("ls");
        list.SetAction(result => List(output, Matcher(result.GetValue(listPattern)), result.GetValue(all), result.GetValue(json)));

        var inspect = new Command("inspect", "Show one segment's decoded header and layout, one field per line.") { name, json };
        inspect.SetAction(result => Inspect(output, error, Normalize(result.GetValue(name)!), result.GetValue(json)));

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
            remove,
            gc,
            BridgeCommand.Create(output, error),
        };
    }

    private static int List(TextWriter output, Func<string, bool>? filter, bool all, bool json)
    {
        var found = SegmentInspector.List(filter);
        var shown = all ? found : found.Where(s => s.IsShmGenSegment).ToList();
        if (json)
        {
            JsonOutput.WriteList(output, shown);
            return Success;
        }

        HumanOutput.WriteTable(output, shown);
        var others = found.Count - shown.Count;
        if (others > 0)
        {
            output.WriteLine(others == 1
                ? "1 other file in /dev/shm is not a ShmGen segment (--all shows it)."
                : $"{others} other files in /dev/shm are not ShmGen segments (--all shows them).");
        }

        return Success;
    }

    private static int Inspect(TextWriter output, TextWriter error, string name, bool json)
    {
        SegmentInfo segment;
        try
        {
            segment = SegmentInspector.Inspect(name);
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"shmgen inspect: {e.Message}");
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

        if (!segment.IsShmGenSegment)
        {
            error.WriteLine($"shmgen inspect: '{segment.Path}' is not a ShmGen segment: {segment.Problem}.");
            return Failure;
        }

        return Success;
    }

    private static int Remove(TextWriter output, TextWriter error, IReadOnlyList<string> names, bool json)
    {
        var removed = new List<SegmentInfo>();
        var exitCode = Success;
        foreach (var name in names)
        {
            try
            {
                removed.Add(SegmentInspector.Remove(name));
            }
            catch (Exception e) when (IsUserError(e))
            {
                error.WriteLine($"shmgen rm: {e.Message}");
                exitCode = Failure;
            }
        }

        if (json)
        {
            JsonOutput.WriteRemoval(output, removed, dryRun: false);
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

        return exitCode;
    }

    private static int CollectGarbage(TextWriter output, Func<string, bool>? filter, bool dryRun, bool json)
    {
        var stale = SegmentInspector.CollectGarbage(dryRun, filter);
        if (json)
        {
            JsonOutput.WriteRemoval(output, stale, dryRun);
            return Success;
        }

        foreach (var segment in stale)
        {
            output.WriteLine($"{(dryRun ? "would remove" : "removed")} {segment.Name} ({HumanOutput.TypeOf(segment)}, {HumanOutput.Size(segment.FileSize)}, creator pid {segment.CreatorProcessId} is dead, no process maps it)");
        }

        output.WriteLine(stale.Count == 0
            ? "No stale ShmGen segments."
            : $"{stale.Count} stale segment{(stale.Count == 1 ? "" : "s")} {(dryRun ? "would be removed (dry run)" : "removed")}.");
        return Success;
    }

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
