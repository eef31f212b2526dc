using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Benchmarks.Ipc;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ShmGen.Benchmarks.Throughput;

/// <summary>
/// A kernel byte stream per producer/consumer pair (a byte stream has no safe many-to-many item semantics, so 2x2 is two
/// independent streams). The producer writes each item with its own write(2), the consumer reads each item with read(2)
/// until it has all its bytes: the per-item hand-off a queue does, through the kernel. The descriptors are created
/// without O_CLOEXEC and inherited by the children; each child closes the ones that are not its own.
/// </summary>
internal abstract unsafe class StreamThroughputMechanism : ManagedThroughputMechanism
{

    /// <summary>Makes one stream: [0] the read end, [1] the write end.</summary>
    protected abstract void MakeStream(int* ends);

    public override IThroughputSetup Prepare(int itemSize, int producers, int consumers, string shmPrefix)
    {
        if (producers != consumers)
        {
            throw new InvalidOperationException($"{Name}: one stream per producer/consumer pair needs as many producers as consumers");
        }

        var ends = new int[producers * 2];
        var pair = stackalloc int[2];
        for (var i = 0; i < producers; i++)
        {
            MakeStream(pair);
            ends[i * 2] = pair[0];
            ends[(i * 2) + 1] = pair[1];
        }

        return new Setup(ends);
    }

    public override long Produce(ThroughputChild child, Action ready)
    {
        var fd = Adopt(child.Argument);
        var item = Message.Create(child.ItemSize);
        ready();
        Send(fd, item, child.Id, 0, child.Warmup);
        var start = Stopwatch.GetTimestamp();
        Send(fd, item, child.Id, child.Warmup, child.Warmup + child.Items);
        Message.Stamp(item, ThroughputChild.Stop);
        WriteAll(fd, item);
        close(fd);
        return start;
    }

    public override void Consume(ThroughputChild child, ItemTally tally, Action ready)
    {
        var fd = Adopt(child.Argument);
        ready();
        Receive(fd, new byte[child.ItemSize], tally);
        tally.MarkEnd();
        close(fd);
    }

    protected static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new IOException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>"use:close,close,...": keeps the first descriptor, closes the inherited ones that belong to others.</summary>
    private static int Adopt(string argument)
    {
        var parts = argument.Split(':');
        foreach (var other in parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            close(int.Parse(other, CultureInfo.InvariantCulture));
        }

        return int.Parse(parts[0], CultureInfo.InvariantCulture);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Send(int fd, byte[] item, int producer, long from, long to)
    {
        for (var sequence = from; sequence < to; sequence++)
        {
            Message.Stamp(item, ThroughputChild.StampOf(producer, sequence));
            WriteAll(fd, item);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Receive(int fd, byte[] item, ItemTally tally)
    {
        do
        {
            ReadAll(fd, item);
        }
        while (tally.Add(ReadStamp(item)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ReadStamp(byte[] item)
    {
        var head = MemoryMarshal.Read<long>(item);
        var tail = MemoryMarshal.Read<long>(item.AsSpan(item.Length - 8));
        return head == tail ? head : throw new InvalidOperationException($"torn item (head {head}, tail {tail})");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteAll(int fd, byte[] item)
    {
        fixed (byte* start = item)
        {
            var done = 0;
            while (done < item.Length)
            {
                var written = (long)write(fd, start + done, (size_t)(item.Length - done));
                if (written <= 0)
                {
                    Failed("write", written);
                }

                done += (int)written;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ReadAll(int fd, byte[] item)
    {
        fixed (byte* start = item)
        {
            var done = 0;
            while (done < item.Length)
            {
                var read = (long)LibCRead(fd, start + done, item.Length - done);
                if (read <= 0)
                {
                    Failed("read", read);
                }

                done += (int)read;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long LibCRead(int fd, byte* buffer, int count) => read(fd, buffer, (size_t)count);

    private static void Failed(string call, long result)
    {
        var errno = Marshal.GetLastPInvokeError();
        if (result < 0 && errno == EINTR)
        {
            return;
        }

        throw new IOException(result == 0 ? $"{call}: the other end closed the stream" : $"{call} failed: errno {errno}");
    }

    private sealed class Setup(int[] ends) : IThroughputSetup
    {
        private bool _closed;

        // Producer i writes stream i ([2i + 1]), consumer i reads it ([2i]); every other descriptor is closed by the child.
        public string ProducerArgument(int producer) => Argument(ends[(producer * 2) + 1]);

        public string ConsumerArgument(int consumer) => Argument(ends[consumer * 2]);

        public void ChildrenStarted() => Close();

        public void Dispose() => Close();

        private string Argument(int use) => use.ToString(CultureInfo.InvariantCulture) + ":" + string.Join(',', ends.Where(fd => fd != use));

        private void Close()
        {
            if (!_closed)
            {
                _closed = true;
                foreach (var fd in ends)
                {
                    close(fd);
                }
            }
        }
    }
}

/// <summary>An anonymous pipe (pipe(2)) per pair.</summary>
internal sealed unsafe class PipeThroughputMechanism : StreamThroughputMechanism
{
    public override string Name => "pipe";

    protected override void MakeStream(int* ends) => Check(pipe(ends), "pipe");
}

/// <summary>A connected Unix domain stream socket pair (socketpair(2)) per pair.</summary>
internal sealed unsafe class UnixSocketThroughputMechanism : StreamThroughputMechanism
{
    public override string Name => "unix-socket";

    protected override void MakeStream(int* ends) => Check(socketpair(AF_UNIX, SOCK_STREAM, 0, ends), "socketpair");
}
