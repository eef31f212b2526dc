using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>Files ShmGen did not create are never deleted or trusted; every timeout means what the BCL's do.</summary>
public sealed class ForeignFilesAndTimeoutsTests
{
    [Fact]
    public void Another_programs_live_shared_memory_with_a_zero_first_page_is_never_reclaimed_by_OpenOrCreate()
    {
        using var scratch = new ScratchSegment();

        // What Python's multiprocessing.shared_memory leaves at a name: 0600, sized, zero-filled, no flock.
        using (var foreign = new FileStream(scratch.Path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            foreign.SetLength(8192);
        }

        File.SetUnixFileMode(scratch.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var inode = new FileInfo(scratch.Path).LastWriteTimeUtc;

        var open = Assert.Throws<SegmentCorruptedException>(() => CounterSegment.Open(scratch.Options));
        Assert.Contains("not a ShmGen segment", open.Message, StringComparison.Ordinal);
        var openOrCreate = Assert.Throws<SegmentCorruptedException>(() => CounterSegment.OpenOrCreate(scratch.Options));
        Assert.Contains(scratch.Name, openOrCreate.Message, StringComparison.Ordinal);

        // Untouched: same size, still all zeros, same file.
        var bytes = File.ReadAllBytes(scratch.Path);
        Assert.Equal(8192, bytes.Length);
        Assert.All(bytes, b => Assert.Equal(0, b));
        Assert.Equal(inode, new FileInfo(scratch.Path).LastWriteTimeUtc);
    }

    [Fact]
    public void A_dead_ShmGen_creators_leftover_is_still_reclaimed()
    {
        using var scratch = new ScratchSegment();
        using (var leftover = new FileStream(scratch.Path, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            // What a creator killed after its first write leaves: ShmGen's magic, state "initializing", a dead pid.
            Span<byte> marker = stackalloc byte[64];
            BitConverter.TryWriteBytes(marker, 0x0100_4E45_474D_4853UL);
            BitConverter.TryWriteBytes(marker[8..], 2u);
            BitConverter.TryWriteBytes(marker[48..], int.MaxValue - 1);
            leftover.Write(marker);
            leftover.SetLength(8192);
        }

        File.SetUnixFileMode(scratch.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var segment = CounterSegment.OpenOrCreate(scratch.Options);
        Assert.True(segment.IsCreator);
    }

    [Theory]
    [InlineData("directory")]
    [InlineData("socket")]
    public void A_directory_or_socket_at_the_name_is_UnauthorizedAccessException(string kind)
    {
        using var scratch = new ScratchSegment();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        if (kind == "directory")
        {
            Directory.CreateDirectory(scratch.Path);
        }
        else
        {
            // Bound for the whole test: .NET removes the socket file when the socket is disposed.
            socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(scratch.Path));
        }

        try
        {
            Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.Open(scratch.Options));
            Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.OpenOrCreate(scratch.Options));
        }
        finally
        {
            if (kind == "directory")
            {
                Directory.Delete(scratch.Path);
            }
        }
    }

    [Fact]
    public void Timeouts_beyond_int_MaxValue_milliseconds_wait_instead_of_failing_at_once()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using (var guard = segment.Lock(TimeSpan.MaxValue))
        {
            guard.Value = 1;
        }

        Assert.True(segment.TryLock(TimeSpan.FromDays(30), out var held));
        held.Dispose();
        Assert.True(segment.TrySnapshot(out _, TimeSpan.MaxValue));

        // A held lock: TryLock(MaxValue) waits until the holder dies, then takes it over.
        using var holder = Peer.Start("hold", scratch.Name);
        holder.WaitForLine("locked");
        var killer = new Thread(() =>
        {
            Thread.Sleep(300);
            holder.Kill();
        });
        killer.Start();
        var waited = Stopwatch.StartNew();
        Assert.True(segment.TryLock(TimeSpan.MaxValue, out var guardAfter));
        Assert.True(waited.Elapsed > TimeSpan.FromMilliseconds(200));
        Assert.True(guardAfter.WasAbandoned);
        guardAfter.Dispose();
        killer.Join();

        using var queueScratch = new ScratchSegment();
        using var queue = ProbeQueue.Create(queueScratch.Options);
        try
        {
            var producer = new Thread(() =>
            {
                Thread.Sleep(200);
                queue.Enqueue(new Probe { Id = 5 });
            });
            producer.Start();
            Assert.True(queue.TryDequeue(out var item, TimeSpan.MaxValue));
            Assert.Equal(5, item.Id);
            producer.Join();
        }
        finally
        {
            queue.Unlink();
        }
    }

    [Fact]
    public void A_negative_timeout_other_than_infinite_is_ArgumentOutOfRangeException_everywhere()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        var negative = TimeSpan.FromMilliseconds(-2);
        Assert.Throws<ArgumentOutOfRangeException>(() => segment.Lock(negative));
        Assert.Throws<ArgumentOutOfRangeException>(() => segment.TryLock(negative, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => segment.TrySnapshot(out _, negative));
        Assert.Throws<ArgumentOutOfRangeException>(() => CounterSegment.Open(scratch.With(o => new SegmentOptions { Name = o.Name, OpenTimeout = negative })));

        using var queueScratch = new ScratchSegment();
        using var queue = ProbeQueue.Create(queueScratch.Options);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryDequeue(out _, negative));
            Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryEnqueue(new Probe(), negative));
        }
        finally
        {
            queue.Unlink();
        }

        // Infinite is not negative in that sense: a free lock is simply taken.
        using var guard = segment.Lock(Timeout.InfiniteTimeSpan);
    }

    [Fact]
    public void Unlink_never_removes_a_newer_segment_in_a_20000_round_race_with_another_process()
    {
        using var scratch = new ScratchSegment();
        using var racer = Peer.Start("unlink-racer", scratch.Name);
        racer.WaitForLine("racing");

        // This process: remove whatever has the name (TryUnlink), create its own, and check that nobody but itself
        // removes it; the racer only ever removes its own segments with Unlink(), whose check must not go stale.
        var rounds = 0;
        var stolen = 0;
        while (rounds < 20_000)
        {
            CounterSegment.TryUnlink(scratch.Options);
            CounterSegment mine;
            try
            {
                mine = CounterSegment.Create(scratch.Options);
            }
            catch (SegmentAlreadyExistsException)
            {
                continue;
            }

            using (mine)
            {
                var id = new FileInfo(scratch.Path).Exists ? Inode(scratch.Path) : 0;
                Thread.SpinWait(rounds % 64 * 20);
                if (!File.Exists(scratch.Path) || Inode(scratch.Path) != id)
                {
                    stolen++;
                }

                mine.Unlink();
            }

            rounds++;
        }

        racer.Kill();
        Assert.Equal(0, stolen);
    }

    private static ulong Inode(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        unsafe
        {
            fixed (byte* p = bytes)
            {
                Tmds.Linux.stat st;
                return Tmds.Linux.LibC.lstat(p, &st) == 0 ? (ulong)st.st_ino : 0;
            }
        }
    }
}
