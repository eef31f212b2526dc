using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using static Tmds.Linux.LibC;

namespace ShmGen.Benchmarks.NativePrograms;

/// <summary>
/// iceoryx's daemon (iox-roudi from the Debian package iceoryx), started for one measurement and stopped after it, on
/// every path: Dispose, the process-exit handler, and (where util-linux's setpriv exists) a parent-death signal, so a
/// benchmark that is killed does not leave it running. It gets its own configuration (the memory pools the rows need)
/// instead of whatever /etc/iceoryx/roudi_config.toml says, and process monitoring off, so that a client starved of
/// CPU on a loaded machine is not declared dead in the middle of a row. iceoryx 2.0 has no domains: its names are
/// fixed (/tmp/roudi, /dev/shm/iceoryx_mgmt), so when another RouDi runs on the machine this one cannot start and the
/// rows are skipped rather than sharing or killing someone else's daemon.
/// </summary>
internal sealed class RouDi : IDisposable
{
    private const string ReadyLine = "RouDi is ready for clients";

    // Chunks are the payload plus iceoryx's chunk header; 4352 fits the largest message (4096 B). Enough chunks for
    // two publisher/subscriber pairs with full subscriber queues (256 each) at every size.
    private const string Configuration = """
        [general]
        version = 1

        [[segment]]

        [[segment.mempool]]
        size = 128
        count = 8192

        [[segment.mempool]]
        size = 1152
        count = 4096

        [[segment.mempool]]
        size = 4352
        count = 2048
        """;

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly string _directory;
    private bool _stopped;

    private RouDi(Process process, string directory)
    {
        _process = process;
        _directory = directory;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public static RouDi Start()
    {
        var executable = NativeProgram.Require("iceoryx", "/usr/bin/iox-roudi");
        var directory = Directory.CreateTempSubdirectory("shmgen-bench-roudi-").FullName;
        var config = Path.Combine(directory, "roudi.toml");
        File.WriteAllText(config, Configuration);

        var setpriv = NativeProgram.FindOnPath("setpriv");
        var start = new ProcessStartInfo(setpriv ?? executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (setpriv is not null)
        {
            // SIGTERM to RouDi when the thread that started it (the runner's main thread) ends, even by SIGKILL.
            foreach (var argument in new[] { "--pdeathsig", "TERM", "--", executable })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in new[] { "-c", config, "-m", "off", "-l", "warning" })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, line) => Record(line.Data, output, ready);
        process.ErrorDataReceived += (_, line) => Record(line.Data, output, ready);
        process.Exited += (_, _) => ready.TrySetResult(false);
        try
        {
            process.Start();
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var roudi = new RouDi(process, directory);
        if (!ready.Task.Wait(s_startTimeout) || !ready.Task.Result)
        {
            roudi.Dispose();
            string said;
            lock (output)
            {
                said = output.ToString();
            }

            throw new MechanismUnavailableException(said.Contains("Could not acquire lock", StringComparison.Ordinal)
                ? "another RouDi runs on this machine (iceoryx 2.0 allows one: /tmp/iox-unique-roudi.lock is taken); stop it to measure iceoryx"
                : $"iox-roudi exited or was not ready within {s_startTimeout.TotalSeconds:F0} s: {OneLine(said)}");
        }

        return roudi;
    }

    /// <summary>SIGTERM (RouDi then releases its shared memory and its lock file), SIGKILL if that is not enough.</summary>
    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        try
        {
            if (!_process.HasExited)
            {
                _ = kill(_process.Id, SIGTERM);
                if (!_process.WaitForExit(s_stopTimeout))
                {
                    Console.Error.WriteLine($"iox-roudi (pid {_process.Id}) ignored SIGTERM for {s_stopTimeout}; killing it");
                    _process.Kill();
                    _process.WaitForExit();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // It was never started or is already reaped.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Record(string? line, StringBuilder output, TaskCompletionSource<bool> ready)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }

        if (line.Contains(ReadyLine, StringComparison.Ordinal))
        {
            ready.TrySetResult(true);
        }
    }

    /// <summary>RouDi's log without its colours, on one line.</summary>
    private static string OneLine(string log) =>
        string.Join(" / ", Regex.Replace(log, @"\x1b\[[0-9;]*m", string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}
