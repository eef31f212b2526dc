using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using ShmGen.Inspection;

namespace ShmGen.Interop.Tests;

/// <summary>Builds and runs the C and Python peers; both are optional tools, so tests skip with a reason without them.</summary>
internal static class NativePeers
{
    private static readonly Lazy<string?> s_peer = new(BuildCPeer);

    public static string NativeDirectory => Path.Combine(AppContext.BaseDirectory, "native");

    public static bool HasGcc => Which("gcc") is not null;

    public static bool HasPython => Which("python3") is not null;

    /// <summary>The C peer, compiled once per run against the header generated for <see cref="Reading"/>.</summary>
    public static string CPeer => s_peer.Value ?? throw new InvalidOperationException("gcc failed to build the C peer");

    /// <summary>Field name to byte offset, read from a generated LayoutDescription (the C# build is the source of truth).</summary>
    public static string OffsetsJson(string layoutDescription) => JsonSerializer.Serialize(
        (SegmentLayoutInfo.Parse(layoutDescription) ?? throw new ArgumentException("not a layout description", nameof(layoutDescription)))
            .Fields.ToDictionary(f => f.Name, f => f.Offset));

    public static (int ExitCode, string Output) Run(string program, params string[] arguments) => Run(program, arguments, standardInput: null);

    public static (int ExitCode, string Output) Run(string program, string[] arguments, string? standardInput)
    {
        using var process = Start(program, arguments);
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish: {output}");
        }

        return (process.ExitCode, output);
    }

    public static Process Start(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>Writes a generated C header and asks gcc to compile a file including it: its _Static_asserts must hold.</summary>
    public static (int ExitCode, string Output) CompileHeader(string header, string directory)
    {
        var headerPath = Path.Combine(directory, "layout.h");
        var sourcePath = Path.Combine(directory, "check.c");
        File.WriteAllText(headerPath, header);
        File.WriteAllText(sourcePath, "#include \"layout.h\"\nint main(void) { return 0; }\n");
        return Run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", sourcePath);
    }

    /// <summary>Compiles <paramref name="source"/>, which includes "layout.h" (<paramref name="header"/>), into an executable.</summary>
    /// <returns>gcc's exit code and output, and the executable's path.</returns>
    public static (int ExitCode, string Output, string Program) CompileProgram(string header, string source, string directory)
    {
        File.WriteAllText(Path.Combine(directory, "layout.h"), header);
        var sourcePath = Path.Combine(directory, "program.c");
        File.WriteAllText(sourcePath, source);
        var program = Path.Combine(directory, "program");
        var (exitCode, output) = Run("gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", program, sourcePath);
        return (exitCode, output, program);
    }

    private static string? BuildCPeer()
    {
        var directory = Directory.CreateTempSubdirectory("shmgen-cpeer-").FullName;
        File.WriteAllText(Path.Combine(directory, "reading.h"), ReadingSegment.CHeader);
        var output = Path.Combine(directory, "peer");
        var (exitCode, text) = Run("gcc", "-std=c11", "-O2", "-Wall", "-Werror", "-I", directory, "-o", output, Path.Combine(NativeDirectory, "peer.c"), "-pthread");
        return exitCode == 0 ? output : throw new InvalidOperationException("gcc failed: " + text);
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':')
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);
}
