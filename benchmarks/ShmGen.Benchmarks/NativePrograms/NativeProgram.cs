using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace ShmGen.Benchmarks.NativePrograms;

/// <summary>
/// One program under benchmarks/native, compiled with gcc or g++ -O2 the first time a row needs it (no binary is ever
/// committed; the sources ship beside the benchmark). Before compiling it checks what the program needs, so a machine
/// without a peer's package gets a note naming the package instead of a compiler error.
/// </summary>
internal sealed class NativeProgram
{
    private static readonly Lazy<string> s_buildDirectory = new(CreateBuildDirectory);

    /// <summary>The physical floor: two processes spinning on a shared sequence word.</summary>
    public static NativeProgram CSpin { get; } = new("c_spin.c");

    /// <summary>iceoryx publish/subscribe through its C binding (Debian: iceoryx, libiceoryx-binding-c-dev), with RouDi.</summary>
    public static NativeProgram Iceoryx { get; } = new(
        "iceoryx_pubsub.c",
        () =>
        [
            "-isystem", RequireDirectory("libiceoryx-binding-c-dev", "/usr/include/iceoryx/v*", "iceoryx_binding_c/api.h"),
            "-liceoryx_binding_c",
        ],
        RouDi.Start);

    /// <summary>Boost.Interprocess message_queue (Debian: libboost-dev).</summary>
    public static NativeProgram BoostMessageQueue { get; } = new("boost_message_queue.cpp", RequireBoostInterprocess);

    /// <summary>Boost.Interprocess interprocess_mutex + interprocess_condition (Debian: libboost-dev).</summary>
    public static NativeProgram BoostCondition { get; } = new("boost_condition.cpp", RequireBoostInterprocess);

    private readonly string _source;
    private readonly Func<IReadOnlyList<string>> _compilerArguments;
    private readonly Func<IDisposable>? _startDaemon;
    private string? _executable;

    /// <param name="source">The file name under benchmarks/native; .c is compiled as gnu11, .cpp as C++17.</param>
    /// <param name="compilerArguments">Include directories and libraries; throws <see cref="MechanismUnavailableException"/>
    /// when something the program needs is not installed.</param>
    /// <param name="startDaemon">What must run while the program runs (iceoryx's RouDi), started per measurement.</param>
    public NativeProgram(string source, Func<IReadOnlyList<string>>? compilerArguments = null, Func<IDisposable>? startDaemon = null)
    {
        _source = source;
        _compilerArguments = compilerArguments ?? (() => []);
        _startDaemon = startDaemon;
    }

    public string Name => Path.GetFileNameWithoutExtension(_source);

    /// <summary>The compiled program; compiles it on first use.</summary>
    public string Executable => _executable ??= Compile();

    /// <summary>Starts the program's daemon, if it has one; disposing it stops the daemon.</summary>
    public IDisposable? StartDaemon() => _startDaemon?.Invoke();

    /// <summary>The first of <paramref name="candidates"/> that exists, or a <see cref="MechanismUnavailableException"/>
    /// that says which Debian package provides it.</summary>
    public static string Require(string package, params string[] candidates) =>
        candidates.FirstOrDefault(c => File.Exists(c) || Directory.Exists(c))
        ?? throw new MechanismUnavailableException($"needs the Debian package {package} (apt-get install {package}): {candidates[0]} is missing");

    /// <summary>The first directory matching <paramref name="pattern"/> (one '*' in the last component) that holds
    /// <paramref name="file"/>, or a <see cref="MechanismUnavailableException"/> naming the package.</summary>
    public static string RequireDirectory(string package, string pattern, string file)
    {
        var parent = Path.GetDirectoryName(pattern)!;
        var found = Directory.Exists(parent)
            ? Directory.EnumerateDirectories(parent, Path.GetFileName(pattern)).Order(StringComparer.Ordinal).LastOrDefault(d => File.Exists(Path.Combine(d, file)))
            : null;
        return found ?? throw new MechanismUnavailableException($"needs the Debian package {package} (apt-get install {package}): no {Path.Combine(pattern, file)}");
    }

    /// <summary>A program on PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs the program to its end; throws with its standard error when it fails.</summary>
    public void Run(IEnumerable<string> arguments, TimeSpan limit) => Run(new ProcessStartInfo(Executable), arguments, limit, Name);

    /// <summary>Starts the program with <paramref name="arguments"/>, for a caller that talks to it.</summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Executable) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private static IReadOnlyList<string> RequireBoostInterprocess()
    {
        Require("libboost-dev", "/usr/include/boost/interprocess/ipc/message_queue.hpp");
        return [];
    }

    private string Compile()
    {
        var cpp = _source.EndsWith(".cpp", StringComparison.Ordinal);
        var compiler = cpp ? "g++" : "gcc";
        if (FindOnPath(compiler) is null)
        {
            throw new MechanismUnavailableException($"needs {compiler} (apt-get install {compiler})");
        }

        var extra = _compilerArguments();
        var output = Path.Combine(s_buildDirectory.Value, Name);
        string[] language = cpp ? ["-std=c++17", "-pthread"] : ["-std=gnu11"];
        Run(
            new ProcessStartInfo(compiler),
            [.. language, "-O2", "-Wall", "-Wextra", "-Werror", "-o", output, Path.Combine(AppContext.BaseDirectory, "native", _source), .. extra],
            TimeSpan.FromMinutes(5),
            compiler);
        return output;
    }

    private static void Run(ProcessStartInfo start, IEnumerable<string> arguments, TimeSpan limit, string what)
    {
        start.UseShellExecute = false;
        start.RedirectStandardError = true;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {what}");
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            // The whole tree: a ping-pong program's forked child spins on as long as it lives.
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new InvalidOperationException($"{what} did not finish within {limit}; killed it");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed (exit code {process.ExitCode}): {errors.Result.Trim()}");
        }
    }

    private static string CreateBuildDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("shmgen-bench-native-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return directory;
    }
}
