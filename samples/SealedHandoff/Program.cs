// Handing shared memory to a process you do not trust with the file. The parent creates an anonymous sealed segment
// (memfd: no name in /dev/shm, sealed so nobody can shrink or grow it), starts a child (this program again, with
// "child"), and passes the child a descriptor over a Unix domain socket in a private temporary directory. The child
// maps it and writes a reading; it cannot truncate the memory under the parent (the kernel refuses: EPERM). The parent
// then reads the reading with Snapshot() and prints it. Nothing to unlink: the kernel frees the memory when both are done.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ShmGen;

if (args is ["child", var socketPath])
{
    using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    socket.Connect(new UnixDomainSocketEndPoint(socketPath));
    using var received = ReadingSegment.ReceiveFrom(socket, new SegmentOptions { LockTimeout = TimeSpan.FromSeconds(10) });
    using (var guard = received.Lock())
    {
        guard.Celsius = 21.5;
        guard.Sequence = 1;
    }

    socket.Send([(byte)'w']);
    return 0;
}

// A directory only this user can enter holds the socket, so no other user can connect and ask for the segment.
var directory = Directory.CreateTempSubdirectory("sealed-handoff-");
try
{
    var handoffPath = Path.Combine(directory.FullName, "handoff.sock");
    using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    listener.Bind(new UnixDomainSocketEndPoint(handoffPath));
    listener.Listen(1);

    using var segment = ReadingSegment.CreateAnonymous(new SegmentOptions { LockTimeout = TimeSpan.FromSeconds(10) });
    using var child = Process.Start(ChildProcess.StartInfo("child", handoffPath))
        ?? throw new InvalidOperationException("could not start the child process");
    using (var connection = listener.Accept())
    {
        segment.SendTo(connection);

        // The child says when it has written; a closed connection without that byte means it failed.
        var done = new byte[1];
        if (connection.Receive(done) != 1 || !child.WaitForExit(TimeSpan.FromSeconds(30)) || child.ExitCode != 0)
        {
            Console.Error.WriteLine($"child failed (exit code {(child.HasExited ? child.ExitCode : -1)})");
            return 1;
        }
    }

    var reading = segment.Snapshot();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"child wrote {reading.Celsius:0.0} C (reading {reading.Sequence}) into {segment.Name}"));
}
finally
{
    directory.Delete(recursive: true);
}

return 0;

/// <summary>The payload: a sensor reading the child publishes.</summary>
[SharedSegment("reading")]
[StructLayout(LayoutKind.Sequential)]
public partial struct Reading
{
    /// <summary>The temperature.</summary>
    public double Celsius;

    /// <summary>How many readings were written.</summary>
    public long Sequence;
}

/// <summary>Starts this program again, whether it runs from its apphost or as "dotnet SealedHandoff.dll".</summary>
internal static class ChildProcess
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
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
