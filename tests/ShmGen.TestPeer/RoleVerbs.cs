// Verbs for the access-role tests (read-only views, anonymous sealed segments): each tries what a reader or a peer
// handed a sealed segment must not be able to do, and prints the errno it got, one line per attempt.
using System;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Testing;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ShmGen.TestPeer;

internal static unsafe class RoleVerbs
{
    public static bool Handles(string verb) => verb is "follow-readonly" or "receive-sealed" or "receive-sealed-readonly";

    public static int Run(string[] args)
    {
        try
        {
            return Dispatch(args);
        }
        catch (Exception exception) when (exception is not (SharedSegmentException or UnauthorizedAccessException or TimeoutException))
        {
            // Anything unexpected goes to stdout, where the test shows it.
            Console.WriteLine("error " + exception);
            return 5;
        }
    }

    private static int Dispatch(string[] args)
    {
        switch (args[0])
        {
            case "follow-readonly":
                return FollowReadOnly(args[1], Convert.ToInt32(args[2], 8), long.Parse(args[3], CultureInfo.InvariantCulture));
            case "receive-sealed":
                return ReceiveSealed(args[1], args[2]);
            default:
                return ReceiveSealedReadOnly(args[1], args[2]);
        }
    }

    /// <summary>Opens read-only, reports what writing would do, then follows the writer through Snapshot until <paramref name="target"/>.</summary>
    private static int FollowReadOnly(string name, int mode, long target)
    {
        var options = new SegmentOptions { Name = name, Mode = (UnixFileMode)mode, OpenTimeout = TimeSpan.FromSeconds(10), LockTimeout = TimeSpan.FromSeconds(10) };
        using var view = CounterSegment.OpenReadOnly(options);
        Console.WriteLine("mprotect " + MakeWritable(in view.Data));
        Console.WriteLine("open-rw " + OpenErrno("/dev/shm/" + name, O_RDWR));
        Console.WriteLine("ftruncate " + TruncateReadOnly("/dev/shm/" + name));
        try
        {
            using var writable = CounterSegment.Open(options);
            Console.WriteLine("open opened");
        }
        catch (UnauthorizedAccessException)
        {
            Console.WriteLine("open " + nameof(UnauthorizedAccessException));
        }

        Console.WriteLine("ready");
        long last = -1;
        var nextStep = 1L;
        while (true)
        {
            var copy = view.Snapshot();
            if (copy.Value != copy.Shadow || copy.Value < last)
            {
                Console.WriteLine($"torn {copy.Value} {copy.Shadow} after {last}");
                return 4;
            }

            last = copy.Value;
            while (nextStep <= 3 && last >= nextStep)
            {
                Console.WriteLine("saw " + nextStep.ToString(CultureInfo.InvariantCulture));
                nextStep++;
            }

            if (last >= target)
            {
                Console.WriteLine("followed " + last.ToString(CultureInfo.InvariantCulture));
                return 0;
            }
        }
    }

    /// <summary>Receives a sealed segment, tries to resize it every way it can, then writes through the lock.</summary>
    /// <param name="address">The parent's socket.</param>
    /// <param name="label">The name the sender gave its memfd (what /proc/self/fd shows).</param>
    private static int ReceiveSealed(string address, string label)
    {
        using var socket = Connect(address);
        using var segment = CounterSegment.ReceiveFrom(socket);
        Console.WriteLine("name " + segment.Name);
        var fd = MemfdDescriptor(label);
        Tmds.Linux.stat st;
        fstat(fd, &st);
        var size = (long)st.st_size;
        Console.WriteLine("shrink " + Errno(ftruncate(fd, size / 2)));
        Console.WriteLine("grow " + Errno(ftruncate(fd, size * 2)));
        Console.WriteLine("fallocate " + Errno(fallocate(fd, 0, 0, size * 2)));
        Console.WriteLine("seal-write " + Errno(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
        using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
        {
            guard.Value = 4242;
            guard.Shadow = 4242;
        }

        Console.WriteLine("written");
        return 0;
    }

    /// <summary>Receives a read-only sealed segment and tries every way back to write access.</summary>
    private static int ReceiveSealedReadOnly(string address, string label)
    {
        using var socket = Connect(address);
        using var view = CounterSegment.ReceiveReadOnlyFrom(socket);
        var fd = MemfdDescriptor(label);
        Console.WriteLine("access " + (fcntl(fd, F_GETFL) & O_ACCMODE).ToString(CultureInfo.InvariantCulture));
        Console.WriteLine("reopen-rw " + OpenErrno("/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture), O_RDWR));
        var mapping = mmap(null, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        Console.WriteLine("mmap-rw " + (mapping == MAP_FAILED ? Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture) : "0"));
        Console.WriteLine("mprotect " + MakeWritable(in view.Data));
        Console.WriteLine("ftruncate " + Errno(ftruncate(fd, 0)));
        Console.WriteLine("value " + view.Snapshot().Value.ToString(CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>Connects to "@name" (an abstract Unix socket: no file whose permissions another uid would need).</summary>
    private static Socket Connect(string address)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(address.StartsWith('@') ? "\0" + address[1..] : address));
        return socket;
    }

    /// <summary>The descriptor the received segment keeps: /proc/self/fd shows it as "/memfd:NAME (deleted)".</summary>
    private static int MemfdDescriptor(string label)
    {
        foreach (var entry in Directory.GetFiles("/proc/self/fd"))
        {
            var target = new FileInfo(entry).LinkTarget;
            // Match the segment's label: the runtime itself keeps memfds (the W^X "doublemapper").
            if (target is not null && target.StartsWith("/memfd:" + label + " ", StringComparison.Ordinal))
            {
                return int.Parse(Path.GetFileName(entry), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no memfd descriptor in /proc/self/fd");
    }

    /// <summary>mprotect(PROT_READ|PROT_WRITE) on the page holding <paramref name="data"/>: 0 or the errno.</summary>
    private static string MakeWritable(in Counter data)
    {
        var page = (nint)Unsafe.AsPointer(ref Unsafe.AsRef(in data)) & ~(nint)4095;
        return Errno(mprotect((void*)page, 4096, PROT_READ | PROT_WRITE));
    }

    private static string OpenErrno(string path, int flags)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var fd = open(p, flags | O_CLOEXEC, 0);
            if (fd >= 0)
            {
                close(fd);
                return "0";
            }

            return Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>ftruncate through an O_RDONLY descriptor: what a reader holding one could try.</summary>
    private static string TruncateReadOnly(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var fd = open(p, O_RDONLY | O_CLOEXEC, 0);
            try
            {
                return Errno(ftruncate(fd, 0));
            }
            finally
            {
                close(fd);
            }
        }
    }

    private static string Errno(int result) =>
        result == 0 ? "0" : Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture);
}
