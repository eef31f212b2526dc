// The classic parent/child shared-memory example, with the boilerplate generated: the parent creates the segment
// "/sample", starts a child (this program again, with "child"), the child opens the segment, takes the lock and writes
// 0xdbeebee; the parent waits for the child, reads the value under the lock, disposes and unlinks.
using System;
using System.Diagnostics;
using ShmGen;

if (args is ["child", var segmentName])
{
    using var segment = SampleSegment.Open(new SegmentOptions { Name = segmentName });
    using var guard = segment.Lock(TimeSpan.FromSeconds(10));
    guard.Value = 0xdbeebee;
    return 0;
}

// A per-run name keeps two runs of the sample (or a leftover of a killed one) from colliding.
var name = $"sample-{Environment.ProcessId}";
using (var segment = SampleSegment.Create(new SegmentOptions { Name = name, UnlinkOnExit = true }))
{
    try
    {
        using var child = Process.Start(ChildProcess.StartInfo("child", name))
            ?? throw new InvalidOperationException("could not start the child process");
        if (!child.WaitForExit(TimeSpan.FromSeconds(30)) || child.ExitCode != 0)
        {
            Console.Error.WriteLine($"child failed (exit code {(child.HasExited ? child.ExitCode : -1)})");
            return 1;
        }

        using var guard = segment.Lock(TimeSpan.FromSeconds(10));
        Console.WriteLine($"child wrote 0x{guard.Value:x}");
    }
    finally
    {
        segment.Unlink();
    }
}

return 0;

/// <summary>The payload of the segment: one 64-bit value, as in the classic C example.</summary>
[SharedSegment("sample")]
public partial struct Sample
{
    /// <summary>The value the child writes.</summary>
    public ulong Value;
}

/// <summary>Starts this program again, whether it runs from its apphost or as "dotnet Sample.dll".</summary>
internal static class ChildProcess
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (System.IO.Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
