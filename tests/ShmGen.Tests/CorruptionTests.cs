using System;
using System.IO;
using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>Files that are not what the header promises: every one becomes a typed exception, never a SIGBUS.</summary>
public sealed class CorruptionTests
{
    private const int HeaderSize = 4096;

    [Theory]
    [InlineData(0L + 100)]
    [InlineData(HeaderSize - 1)]
    [InlineData(HeaderSize)]
    [InlineData(HeaderSize + 8)]
    public void A_truncated_segment_is_refused_with_SegmentCorrupted(long size)
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        using (var file = new FileStream(scratch.Path, FileMode.Open))
        {
            file.SetLength(size);
        }

        var error = Assert.Throws<SegmentCorruptedException>(() => CounterSegment.Open(scratch.Options));
        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
        Assert.Equal(size, new FileInfo(scratch.Path).Length); // attach never truncates or repairs
    }

    [Fact]
    public void A_segment_grown_beyond_its_header_size_is_refused()
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        using (var file = new FileStream(scratch.Path, FileMode.Open))
        {
            file.SetLength(file.Length + 4096);
        }

        Assert.Throws<SegmentCorruptedException>(() => CounterSegment.Open(scratch.Options));
    }

    [Theory]
    [InlineData(0, "bad magic")]
    [InlineData(8, "format version")]
    [InlineData(12, "state word")]
    [InlineData(24, "inconsistent header")]
    public void A_damaged_header_field_is_refused_with_SegmentCorrupted(int offset, string expected)
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        Poke(scratch.Path, offset, 0x5A);

        var error = Assert.Throws<SegmentCorruptedException>(() => CounterSegment.Open(scratch.Options));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_ShmGen_segment_is_refused_and_left_as_it_was()
    {
        using var scratch = new ScratchSegment();
        var bytes = new byte[8192];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(scratch.Path, bytes);
        File.SetUnixFileMode(scratch.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Throws<SegmentCorruptedException>(() => CounterSegment.Open(scratch.Options));
        Assert.Throws<SegmentCorruptedException>(() => CounterSegment.OpenOrCreate(scratch.Options));
        Assert.Equal(bytes, File.ReadAllBytes(scratch.Path));
    }

    [Fact]
    public void A_layout_mismatch_names_both_fingerprints_and_the_field_that_differs_both_ways()
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        var before = File.ReadAllBytes(scratch.Path);

        var error = Assert.Throws<SegmentLayoutMismatchException>(() => CounterV2Segment.Open(scratch.Options));

        Assert.Equal(CounterV2Segment.LayoutFingerprint, error.ExpectedFingerprint);
        Assert.Equal(CounterSegment.LayoutFingerprint, error.ActualFingerprint);
        Assert.Contains($"0x{CounterSegment.LayoutFingerprint:X16}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Value: Int32 at 0 vs Int64 at 0", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(scratch.Path));

        using var other = new ScratchSegment();
        using (CounterV2Segment.Create(other.Options))
        {
        }

        var reverse = Assert.Throws<SegmentLayoutMismatchException>(() => CounterSegment.Open(other.Options));
        Assert.Contains("Value: Int64 at 0 vs Int32 at 0", reverse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_process_built_with_another_layout_gets_SegmentLayoutMismatch()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);

        using var child = Peer.Start("open-v2", scratch.Name);
        var (exitCode, lines) = child.Finish();

        Assert.Equal(3, exitCode);
        Assert.Equal(nameof(SegmentLayoutMismatchException), lines[0]);
    }

    [Fact]
    public void A_leftover_of_a_creator_that_died_mid_initialization_is_reported_at_once_and_reclaimed_by_OpenOrCreate()
    {
        using var scratch = new ScratchSegment();
        // What a creator leaves when it dies after posix_fallocate but before publishing: its marker (ShmGen's magic,
        // state "initializing", the creator's pid) written first, the rest zeroed. A zeroed file without the marker is
        // not provably ShmGen's and is never reclaimed (ForeignFilesAndTimeoutsTests).
        var leftover = new byte[HeaderSize + 64];
        BitConverter.TryWriteBytes(leftover, 0x0100_4E45_474D_4853UL);
        BitConverter.TryWriteBytes(leftover.AsSpan(8), 2u);
        BitConverter.TryWriteBytes(leftover.AsSpan(48), int.MaxValue - 1);
        File.WriteAllBytes(scratch.Path, leftover);
        File.SetUnixFileMode(scratch.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var started = DateTime.UtcNow;
        var error = Assert.Throws<SegmentNotInitializedException>(() => CounterSegment.Open(scratch.Options));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "a dead creator is detected without waiting out OpenTimeout");
        Assert.Contains("died", error.Message, StringComparison.Ordinal);

        using var segment = CounterSegment.OpenOrCreate(scratch.Options);
        Assert.True(segment.IsCreator);
    }

    [Fact]
    public void Open_waits_for_a_live_creator_and_gives_up_after_OpenTimeout()
    {
        using var scratch = new ScratchSegment();
        File.WriteAllBytes(scratch.Path, new byte[HeaderSize + 64]);
        File.SetUnixFileMode(scratch.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var creator = new FileStream(scratch.Path, FileMode.Open, FileAccess.ReadWrite);
        Assert.Equal(0, ShmGen.Native.LibC.flock((int)creator.SafeFileHandle.DangerousGetHandle(), ShmGen.Native.LibC.LOCK_EX)); // a creator initializing

        var started = DateTime.UtcNow;
        var error = Assert.Throws<SegmentNotInitializedException>(() =>
            CounterSegment.Open(scratch.With(o => new SegmentOptions { Name = o.Name, OpenTimeout = TimeSpan.FromMilliseconds(300) })));

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(300));
        Assert.Contains("still being initialized", error.Message, StringComparison.Ordinal);
        // OpenOrCreate must not reclaim a segment whose creator lives.
        Assert.Throws<SegmentNotInitializedException>(() =>
            CounterSegment.OpenOrCreate(scratch.With(o => new SegmentOptions { Name = o.Name, OpenTimeout = TimeSpan.FromMilliseconds(300) })));
        Assert.True(File.Exists(scratch.Path));
    }

    [SkippableFact]
    public void A_full_tmpfs_at_create_gives_OutOfSharedMemory_and_removes_the_half_created_name()
    {
        var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("unshare", "-m true") { RedirectStandardError = true });
        probe!.WaitForExit();
        Skip.If(probe.ExitCode != 0, "this machine forbids unshare -m (needs root or user namespaces), so a private tiny tmpfs cannot be mounted");

        // A child in a private mount namespace with a 64 KiB tmpfs over /dev/shm tries to create a 1 MiB segment.
        using var child = Peer.Start(
            ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k shmgen-full /dev/shm && exec \"$0\" \"$@\""],
            "create-huge", "shmgen-test-full");
        var (exitCode, lines) = child.Finish();

        Assert.True(exitCode == 3, string.Join(" | ", lines));
        Assert.Equal(nameof(OutOfSharedMemoryException), lines[0]);
        Assert.Contains("posix_fallocate", lines[1], StringComparison.Ordinal);
        Assert.Equal("name removed", lines[2]);
    }

    private static void Poke(string path, int offset, byte value)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        file.WriteByte(value);
    }
}
