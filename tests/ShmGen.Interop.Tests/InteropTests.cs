using System;
using System.IO;
using System.Text;

namespace ShmGen.Interop.Tests;

/// <summary>Raw segments shared with a C program and with Python, both ways, through real processes.</summary>
public sealed class InteropTests
{
    [SkippableFact]
    public void A_C_program_opens_a_segment_CSharp_created_and_takes_the_same_lock()
    {
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");
        using var scratch = new RawScratch();
        using var segment = ReadingSegment.Create(scratch.Options);
        using (var guard = segment.Lock())
        {
            guard.Value = 0xdbeebee;
            guard.Count = 3;
            guard.Temperature = 12.25;
            Encoding.ASCII.GetBytes("from C#").CopyTo(guard.Label);
            guard.Flag = 9;
        }

        var (exitCode, output) = NativePeers.Run(NativePeers.CPeer, "open", scratch.Name);

        Assert.True(exitCode == 0, output);
        Assert.Equal("Value=dbeebee Count=3 Temperature=12.25 Label=from C# Flag=9", output.Trim());
        using var after = segment.Lock();
        Assert.Equal(4, after.Count);
        Assert.Equal(21.5, after.Temperature);
    }

    [SkippableFact]
    public void CSharp_opens_a_segment_a_C_program_created()
    {
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");
        using var scratch = new RawScratch();

        var (exitCode, output) = NativePeers.Run(NativePeers.CPeer, "create", scratch.Name);
        Assert.True(exitCode == 0, output);

        using var segment = ReadingSegment.Open(scratch.Options);
        using var guard = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.False(segment.IsCreator);
        Assert.Equal(0xdbeebeeUL, guard.Value);
        Assert.Equal(7, guard.Count);
        Assert.Equal(-40.0, guard.Temperature);
        Assert.Equal("from C", Encoding.ASCII.GetString(guard.Label[..6]));
        Assert.Equal(1, guard.Flag);
    }

    [SkippableFact]
    public void The_C_program_and_CSharp_exclude_each_other_through_the_named_semaphore()
    {
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");
        using var scratch = new RawScratch();
        using var segment = ReadingSegment.Create(scratch.Options);
        using var holder = NativePeers.Start(NativePeers.CPeer, "hold", scratch.Name);
        Assert.Equal("locked", holder.StandardOutput.ReadLine());

        Assert.False(segment.TryLock(TimeSpan.FromMilliseconds(200), out _));
        var timeout = Assert.Throws<TimeoutException>(() => segment.Lock(TimeSpan.FromMilliseconds(50)));
        Assert.Contains(".lock", timeout.Message, StringComparison.Ordinal);

        holder.StandardInput.Close();
        Assert.True(holder.WaitForExit(TimeSpan.FromSeconds(30)));
        using var guard = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.False(guard.WasAbandoned);
    }

    [SkippableFact]
    public void Contended_CSharp_and_glibc_lockers_wake_each_other_and_lose_no_update()
    {
        // ShmGen runs glibc's semaphore protocol itself; this is the proof that the two interoperate under contention,
        // where a waiter of either side parks on the futex and only the other side's post can wake it.
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");
        const int Rounds = 20_000;
        using var scratch = new RawScratch();
        using var segment = ReadingSegment.Create(scratch.Options);
        using var counter = NativePeers.Start(NativePeers.CPeer, "count", scratch.Name, Rounds.ToString(System.Globalization.CultureInfo.InvariantCulture));

        for (var i = 0; i < Rounds; i++)
        {
            using var guard = segment.Lock(TimeSpan.FromSeconds(10));
            guard.Count++;
        }

        Assert.Equal("counted", counter.StandardOutput.ReadLine());
        Assert.True(counter.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, counter.ExitCode);
        using var final = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.Equal(2 * Rounds, final.Count);
    }

    [Fact]
    public void A_sem_t_whose_private_field_a_peer_overwrote_still_locks_waits_and_wakes()
    {
        // glibc passes sem_t's private field into the futex operation and aborts the process when the kernel refuses
        // the garbage; ShmGen never reads the field, so a contended wait and the post that ends it still work.
        using var scratch = new RawScratch();
        using var segment = ReadingSegment.Create(scratch.Options);
        using (var file = new FileStream(scratch.SemaphorePath, FileMode.Open, FileAccess.Write))
        {
            file.Position = 8;
            file.Write([0xff, 0xff, 0xff, 0x7f]);
        }

        using var parked = new System.Threading.ManualResetEventSlim();
        var holder = segment.Lock(TimeSpan.FromSeconds(5));
        int? seen = null;
        Exception? failure = null;
        var waiter = new System.Threading.Thread(() =>
        {
            try
            {
                using var other = ReadingSegment.Open(scratch.Options);
                var free = other.TryLock(TimeSpan.FromMilliseconds(50), out var early);
                early.Dispose();
                parked.Set();
                if (!free)
                {
                    using var guard = other.Lock(TimeSpan.FromSeconds(10));
                    seen = guard.Count;
                }
            }
            catch (Exception e)
            {
                failure = e;
                parked.Set();
            }
        });
        waiter.Start();
        Assert.True(parked.Wait(TimeSpan.FromSeconds(10)));
        System.Threading.Thread.Sleep(100);
        holder.Count = 41;
        holder.Dispose();

        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)));
        Assert.Null(failure);
        Assert.Equal(41, seen);
        Assert.Equal([0xff, 0xff, 0xff, 0x7f], File.ReadAllBytes(scratch.SemaphorePath)[8..12]);
    }

    [SkippableFact]
    public void Python_reads_what_CSharp_wrote_and_CSharp_sees_its_update()
    {
        Skip.IfNot(NativePeers.HasPython, "python3 is not installed");
        using var scratch = new RawScratch();
        using var segment = ReadingSegment.Create(scratch.Options);
        using (var guard = segment.Lock())
        {
            guard.Value = 0xdbeebee;
            guard.Count = 41;
            guard.Temperature = 3.75;
            Encoding.ASCII.GetBytes("py?").CopyTo(guard.Label);
        }

        var (exitCode, output) = NativePeers.Run(
            "python3", Path.Combine(NativePeers.NativeDirectory, "peer.py"), "read", scratch.Name, NativePeers.OffsetsJson(ReadingSegment.LayoutDescription));

        Assert.True(exitCode == 0, output);
        Assert.Equal("Value=dbeebee Count=41 Temperature=3.75 Label=py?", output.Trim());
        Assert.Equal(42, segment.Data.Count);
        Assert.True(File.Exists(scratch.Path), "Python must not unlink a segment it only attached to");
    }

    [SkippableFact]
    public void CSharp_opens_a_segment_Python_created()
    {
        Skip.IfNot(NativePeers.HasPython, "python3 is not installed");
        using var scratch = new RawScratch();

        var (exitCode, output) = NativePeers.Run(
            "python3",
            Path.Combine(NativePeers.NativeDirectory, "peer.py"),
            "create",
            scratch.Name,
            System.Runtime.CompilerServices.Unsafe.SizeOf<Reading>().ToString(System.Globalization.CultureInfo.InvariantCulture),
            NativePeers.OffsetsJson(ReadingSegment.LayoutDescription));
        Assert.True(exitCode == 0, output);

        using var segment = ReadingSegment.Open(scratch.Options);
        using var guard = segment.Lock(TimeSpan.FromSeconds(5));
        Assert.Equal(0xdbeebeeUL, guard.Value);
        Assert.Equal(11, guard.Count);
        Assert.Equal(98.25, guard.Temperature);
        Assert.Equal("from py", Encoding.ASCII.GetString(guard.Label[..7]));
    }

    [Fact]
    public void A_raw_segment_of_the_wrong_size_is_refused_and_left_alone()
    {
        using var scratch = new RawScratch();
        File.WriteAllBytes(scratch.Path, new byte[20]);
        File.SetUnixFileMode(scratch.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var error = Assert.Throws<SegmentCorruptedException>(() => ReadingSegment.Open(scratch.Options));

        Assert.Contains("20 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("CHeader", error.Message, StringComparison.Ordinal);
        Assert.Equal(20, new FileInfo(scratch.Path).Length);
    }

    [Fact]
    public void A_raw_segment_is_exactly_the_struct_and_its_lock_semaphore_has_the_segment_mode()
    {
        using var scratch = new RawScratch();
        using (ReadingSegment.Create(scratch.Options))
        {
        }

        Assert.Equal(System.Runtime.CompilerServices.Unsafe.SizeOf<Reading>(), new FileInfo(scratch.Path).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(scratch.SemaphorePath));
        Assert.True(ReadingSegment.TryUnlink(scratch.Options));
        Assert.False(File.Exists(scratch.SemaphorePath));
    }

    [Fact]
    public void Locking_a_raw_segment_twice_on_one_thread_throws_instead_of_deadlocking()
    {
        using var scratch = new RawScratch();
        using var segment = ReadingSegment.Create(scratch.Options);
        using var guard = segment.Lock();

        Assert.Throws<System.Threading.LockRecursionException>(() => segment.Lock(TimeSpan.FromSeconds(1)));
    }
}

/// <summary>A unique raw segment name; the segment and its semaphore are removed when the test ends.</summary>
internal sealed class RawScratch : IDisposable
{
    public string Name { get; } = "shmgen-test-" + Guid.NewGuid().ToString("N");

    public string Path => "/dev/shm/" + Name;

    public string SemaphorePath => "/dev/shm/sem." + Name + ".lock";

    public SegmentOptions Options => new() { Name = Name, OpenTimeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        File.Delete(Path);
        File.Delete(SemaphorePath);
    }
}
