using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace ShmGen.Nats.Tests;

/// <summary>
/// A real nats-server with JetStream, on a free loopback port, storing in a temporary directory; stopped and its
/// directory removed on dispose whether the test passed or not. <see cref="Restart"/> keeps port and store.
/// </summary>
internal sealed class NatsServer : IDisposable
{
    private readonly string _storeDirectory = Directory.CreateTempSubdirectory("shmgen-nats-").FullName;
    private Process? _process;

    public NatsServer()
    {
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The CPU time the running server process has used (user + system), for the benchmark's per-item cost.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process!.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Stops the server the way a service manager does (SIGTERM, a clean shutdown) and starts it again on the
    /// same port with the same store.</summary>
    public void Restart(TimeSpan downFor)
    {
        Stop();
        Thread.Sleep(downFor);
        Start();
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_storeDirectory, recursive: true);
    }

    private void Start()
    {
        var start = new ProcessStartInfo("nats-server")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (var argument in new[] { "-js", "-sd", _storeDirectory, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("nats-server is not installed: apt-get install -y nats-server (.ci/run does it).", e);
        }

        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(15) && !_process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    private void Stop()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _ = Native.Kill(_process.Id, Native.SigTerm);
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }

        _process.Dispose();
        _process = null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal static partial class Native
{
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
