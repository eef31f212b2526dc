using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace ShmGen.Tool.Tests;

/// <summary>
/// "Mapped by" as another user sees it: /proc/PID/maps of root's processes is closed to user nobody, so shmgen run as
/// nobody must say how many processes it could not check instead of claiming nobody maps the segment.
/// </summary>
public sealed class OtherUserTests : IDisposable
{
    private static readonly string[] s_asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    private readonly ShmNames _names = new();

    public void Dispose() => _names.Dispose();

    [SkippableFact]
    public void Another_user_is_told_which_processes_it_could_not_check()
    {
        Skip.IfNot(Shmgen.CurrentUserId() == 0 && File.Exists("/usr/bin/setpriv"), "running shmgen as another user needs root and setpriv");
        var name = _names.New("shared");

        // Readable by others (the bits are not a constant, so SHM301 does not flag what this test needs).
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        mode |= UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = name, Mode = mode });

        var asRoot = Shmgen.Json("inspect", name);
        Assert.Contains(Environment.ProcessId, asRoot.GetProperty("mappedBy").EnumerateArray().Select(p => p.GetInt32()));
        var rootCannotCheck = asRoot.GetProperty("uncheckedProcesses").GetInt32(); // e.g. a sandbox's init

        var json = RunAsNobody("inspect", name, "--json");
        Skip.If(json.ExitCode != 0 && json.Output.Length == 0, $"user nobody cannot run the built tool here: {json.Error}");
        Assert.True(json.ExitCode == 0, json.ToString());
        using (var document = JsonDocument.Parse(json.Output))
        {
            var root = document.RootElement;
            Assert.Equal("ready", root.GetProperty("status").GetString());
            Assert.DoesNotContain(Environment.ProcessId, root.GetProperty("mappedBy").EnumerateArray().Select(p => p.GetInt32()));
            Assert.True(root.GetProperty("uncheckedProcesses").GetInt32() > rootCannotCheck, json.Output);
        }

        var human = RunAsNobody("inspect", name);
        Assert.Contains("could not be checked: run as root to see them", human.Output, StringComparison.Ordinal);
    }

    private static ToolRun RunAsNobody(params string[] args)
    {
        var info = new ProcessStartInfo(s_asNobody[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in s_asNobody[1..])
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet");
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ShmGen.Tool.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = "/tmp";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("shmgen as nobody did not finish in 60 s");
        }

        return new ToolRun(process.ExitCode, output.Result, error.Result);
    }
}
