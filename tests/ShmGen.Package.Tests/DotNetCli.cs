using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace ShmGen.Package.Tests;

/// <summary>The result of one <c>dotnet</c> invocation.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Output)
{
    public override string ToString() => $"`{CommandLine}` exited with {ExitCode}:{Environment.NewLine}{Output}";
}

/// <summary>
/// Runs the dotnet CLI as a child process, the way a user would. No node reuse and no compiler server: the children
/// must not leave MSBuild nodes or VBCSCompiler running after the test.
/// </summary>
internal static class DotNetCli
{
    /// <summary>The dotnet host running this test (the SDK sets DOTNET_HOST_PATH for the processes it starts).</summary>
    private static string Host => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public static CommandResult Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] arguments) =>
        Start(Host, "dotnet ", workingDirectory, environment, timeout, arguments);

    /// <summary>Runs a shell script the way a reader pastes it into a terminal (bash, stopping at the first failure),
    /// with the dotnet running this test first on PATH.</summary>
    public static CommandResult Bash(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, string script)
    {
        var withPath = new Dictionary<string, string>(environment)
        {
            ["PATH"] = Path.GetDirectoryName(Host) is { Length: > 0 } directory && Path.IsPathRooted(Host)
                ? directory + ":" + Environment.GetEnvironmentVariable("PATH")
                : Environment.GetEnvironmentVariable("PATH") ?? "",
        };
        return Start("bash", "bash: ", workingDirectory, withPath, timeout, "-euo", "pipefail", "-c", script);
    }

    private static CommandResult Start(string program, string shownAs, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // The test host may run under MSBuild-set variables that would point a child build at the wrong SDK pieces.
        foreach (var inherited in new[] { "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildExtensionsPath", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            info.Environment.Remove(inherited);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["UseSharedCompilation"] = "false";
        info.Environment.Remove("DOTNET_CLI_HOME");
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var commandLine = shownAs + string.Join(' ', arguments);
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{commandLine}` did not finish within {timeout}:{Environment.NewLine}{Snapshot(output)}");
        }

        // The parameterless wait drains the redirected streams.
        process.WaitForExit();
        return new CommandResult(commandLine, process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
