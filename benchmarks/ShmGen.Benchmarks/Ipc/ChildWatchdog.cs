using System;
using System.Diagnostics;
using System.Threading;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>
/// Kills the child when a phase overruns. The parent may be blocked in a call with no timeout (accept, a FIFO open, a
/// pipe read, a futex wait); killing the child makes that call fail or return, so the benchmark reports the mechanism
/// as failed instead of hanging. A parent spinning on shared memory notices nothing, so when the phase has still not
/// ended shortly after the kill, the whole benchmark exits with an error (the scratch cleanup runs at process exit).
/// </summary>
internal sealed class ChildWatchdog : IDisposable
{
    private readonly Timer _timer;
    private volatile bool _disposed;

    public ChildWatchdog(Process child, TimeSpan limit, string mechanism)
    {
        _timer = new Timer(
            _ =>
            {
                Console.Error.WriteLine($"{mechanism}: no progress after {limit}; killing the child (pid {child.Id})");
                try
                {
                    child.Kill();
                }
                catch (InvalidOperationException)
                {
                }

                Thread.Sleep(TimeSpan.FromSeconds(5));
                if (!_disposed)
                {
                    Console.Error.WriteLine($"{mechanism}: the parent is still stuck; giving up");
                    Environment.Exit(3);
                }
            },
            null,
            limit,
            Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
    }
}
