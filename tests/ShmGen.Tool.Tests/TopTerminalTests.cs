using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace ShmGen.Tool.Tests;

/// <summary>
/// <c>shmgen top</c> as a person sees it: the built tool runs in a real terminal (a tmux pane), the test reads the
/// screen with capture-pane while a live peer changes a queue, and quits with the q key. .ci/run installs tmux.
/// </summary>
public sealed class TopTerminalTests : IDisposable
{
    private readonly ShmNames _names = new();
    private readonly LivePeer _peer = new();
    private readonly string _server = "shmgen-test-" + Guid.NewGuid().ToString("N")[..12];

    public void Dispose()
    {
        Tmux("kill-server");
        _peer.Dispose();
        _names.Dispose();
    }

    [Fact]
    public void Top_in_a_terminal_redraws_in_place_as_a_queue_fills_and_quits_on_q()
    {
        Assert.True(File.Exists("/usr/bin/tmux"), "this test needs tmux (apt-get install -y tmux; .ci/run installs it)");
        var queue = _names.New("tmux-queue");
        var segment = _names.New("tmux-segment");
        _peer.Do($"queue {queue}");
        _peer.Do($"segment {segment}");
        _peer.Do($"enqueue {queue} 7");

        var exitFile = Path.Combine(Path.GetTempPath(), _server + ".exit");
        var tool = Path.Combine(AppContext.BaseDirectory, "ShmGen.Tool.dll");
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var command = $"'{host}' '{tool}' top '{_names.Pattern}' --interval 0.3; echo $? > '{exitFile}'";
        try
        {
            var started = Tmux("new-session", "-d", "-s", "top", "-x", "150", "-y", "30", command);
            Assert.True(started.ExitCode == 0, started.Output);

            var screen = WaitForScreen(s => s.Contains(queue, StringComparison.Ordinal) && s.Contains("7/64", StringComparison.Ordinal));
            Assert.Contains("shmgen top: 2 segments", screen, StringComparison.Ordinal);
            foreach (var column in new[] { "NAME", "KIND", "TYPE", "LOCK", "DEPTH", "RATE", "STATE", "MAPPED BY" })
            {
                Assert.Contains(column, screen, StringComparison.Ordinal);
            }

            Assert.Contains(segment, screen, StringComparison.Ordinal);
            Assert.Contains("alive", screen, StringComparison.Ordinal);
            Assert.Contains(_peer.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), screen, StringComparison.Ordinal);

            // The same screen, redrawn: the new depth replaces the old one instead of scrolling below it.
            _peer.Do($"enqueue {queue} 5");
            screen = WaitForScreen(s => s.Contains("12/64", StringComparison.Ordinal));
            Assert.DoesNotContain("7/64", screen, StringComparison.Ordinal);
            Assert.Equal(1, Occurrences(screen, "shmgen top:"));

            _peer.Do($"lock {segment}");
            screen = WaitForScreen(s => s.Contains($"held by {_peer.ProcessId}/", StringComparison.Ordinal));
            _peer.Do($"unlock {segment}");

            Tmux("send-keys", "-t", "top", "q");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            while (!File.Exists(exitFile) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }

            Assert.True(File.Exists(exitFile), $"top did not quit on q; the screen:{Environment.NewLine}{Capture()}");
            Thread.Sleep(100);
            Assert.Equal("0", File.ReadAllText(exitFile).Trim());
        }
        finally
        {
            File.Delete(exitFile);
        }
    }

    private string WaitForScreen(Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var screen = Capture();
        while (!condition(screen))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the terminal never showed what was expected; it shows:{Environment.NewLine}{screen}");
            Thread.Sleep(100);
            screen = Capture();
        }

        return screen;
    }

    private string Capture() => Tmux("capture-pane", "-p", "-t", "top").Output;

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Runs tmux on this test's own server socket, so it never touches anyone's sessions.</summary>
    private (int ExitCode, string Output) Tmux(params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-L");
        info.ArgumentList.Add(_server);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("TMUX");
        info.Environment["TERM"] = "xterm-256color";
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit(10_000);
            return (process.ExitCode, output.Result + error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
