using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace ShmGen.Testing;

/// <summary>
/// A real child process (one of the test peer programs, run by the same dotnet host as the test), with its standard
/// output collected line by line and its standard error kept for failure messages. The one child-process runner of
/// the runtime and queue tests.
/// </summary>
internal abstract class ChildPeer : IDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly List<string> _seen = [];

    /// <summary>Starts <paramref name="peerAssembly"/> (beside the test assembly) with <paramref name="arguments"/>,
    /// optionally behind a <paramref name="wrapper"/> command line (e.g. unshare, setpriv) that then runs dotnet.</summary>
    protected ChildPeer(string peerAssembly, string[]? wrapper, string[] arguments)
    {
        var all = new List<string>();
        all.AddRange(wrapper ?? []);
        all.Add(DotNetHost);
        all.Add("exec");
        all.Add(Path.Combine(AppContext.BaseDirectory, peerAssembly));
        all.AddRange(arguments);
        var info = new ProcessStartInfo(all[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in all.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _lines.CompleteAdding();
            }
            else
            {
                _lines.Add(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _errors.Enqueue(e.Data);
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// The dotnet host: SHMGEN_PEER_HOST (a wrapper such as a script that execs strace -f dotnet "$@"), else the host the
    /// SDK runs tests with (DOTNET_HOST_PATH), else this process's own host, else dotnet on PATH.
    /// </summary>
    public static string DotNetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("SHMGEN_PEER_HOST") is { Length: > 0 } wrapper)
            {
                return wrapper;
            }

            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host)
            {
                return host;
            }

            var path = Environment.ProcessPath;
            return path is not null && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        }
    }

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    /// <summary>The arguments, what it printed and its standard error: for assertion messages.</summary>
    public string Description =>
        $"peer {Id} '{string.Join(' ', _process.StartInfo.ArgumentList.Skip(2))}' printed: {string.Join(" | ", _seen)}; stderr: {string.Join(" | ", _errors)}";

    /// <summary>Waits for the next line equal to <paramref name="expected"/>, skipping others; fails with everything seen.</summary>
    public void WaitForLine(string expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || !_lines.TryTake(out var line, remaining))
            {
                throw new TimeoutException($"did not print '{expected}'; {Description}");
            }

            _seen.Add(line);
            if (line == expected)
            {
                return;
            }
        }
    }

    /// <summary>The very next line must be <paramref name="expected"/>.</summary>
    public void Expect(string expected, TimeSpan timeout)
    {
        var line = NextLine(timeout);
        if (line != expected)
        {
            throw new Xunit.Sdk.XunitException($"expected '{expected}', got '{line ?? "(nothing)"}'; {Description}");
        }
    }

    /// <summary>The next line, or null when none came within the timeout or the output ended.</summary>
    public string? NextLine(TimeSpan? timeout = null)
    {
        if (_lines.TryTake(out var line, timeout ?? DefaultWait))
        {
            _seen.Add(line);
            return line;
        }

        return null;
    }

    /// <summary>Alias of <see cref="NextLine"/>.</summary>
    public string? ReadLine(TimeSpan timeout) => NextLine(timeout);

    /// <summary>Waits for the process to end and returns its exit code and every line it printed.</summary>
    public (int ExitCode, List<string> Lines) Finish(TimeSpan? timeout = null)
    {
        if (!_process.WaitForExit(timeout ?? DefaultWait))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"did not exit; {Description}");
        }

        _process.WaitForExit();
        while (_lines.TryTake(out var line, TimeSpan.FromSeconds(5)))
        {
            _seen.Add(line);
        }

        return (_process.ExitCode, new List<string>(_seen));
    }

    /// <summary>Waits for a normal exit with code 0; fails otherwise (killing the peer if it hangs).</summary>
    public void ExpectSuccess(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new Xunit.Sdk.XunitException($"did not finish within {timeout}: a hang (lost wake-up or wedged slot?); {Description}");
        }

        _process.WaitForExit();
        if (_process.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"exit code {_process.ExitCode}; {Description}");
        }
    }

    /// <summary>Waits for the peer to die of SIGKILL (exit code 128 + 9), as its kill switch makes it.</summary>
    public void ExpectKilled(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new Xunit.Sdk.XunitException($"did not kill itself within {timeout}; {Description}");
        }

        _process.WaitForExit();
        if (_process.ExitCode != 137)
        {
            throw new Xunit.Sdk.XunitException($"expected death by SIGKILL (137), got exit code {_process.ExitCode}; {Description}");
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    /// <summary>Sends a signal (SIGTERM, SIGINT...) to the peer.</summary>
    public void Signal(int signal) => Tmds.Linux.LibC.kill(_process.Id, signal);

    /// <summary>SIGKILL, then reap: no finalizers, no unwinding, exactly what a crash does.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        _lines.Dispose();
    }
}
