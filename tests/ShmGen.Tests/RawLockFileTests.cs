using System;
using System.Diagnostics;
using System.IO;
using Tmds.Linux;

// One test grants group access on purpose: the semaphore file must get exactly the segment's mode.
#pragma warning disable SHM301

namespace ShmGen.Tests;

/// <summary>A Raw segment: the payload alone; its lock is the named semaphore file /dev/shm/sem.NAME.lock.</summary>
[SharedSegment("shmgen-test-raw-cell", Format = SegmentFormat.Raw)]
public partial struct RawCell
{
    public long Value;
}

/// <summary>
/// The Raw format's lock semaphore file gets the segment file's checks (type, owner, mode, no link) plus its exact size
/// before it is mapped: a file another user planted never becomes the lock, and never makes Lock fault.
/// </summary>
[Collection(ProcessWideState.Name)]
public sealed class RawLockFileTests
{
    private const UnixFileMode UserReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [SkippableTheory]
    [InlineData(-1)] // an empty file: mapping it would make sem_wait fault (SIGBUS)
    [InlineData(0)] // a taken semaphore: every Lock would time out
    [InlineData(5)] // five holders at once: no mutual exclusion
    public void A_semaphore_file_another_user_planted_is_refused_before_any_lock(int value)
    {
        string[] asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        Skip.IfNot(LibC.geteuid() == 0 && File.Exists("/usr/bin/setpriv"), "planting a file as another user needs root and setpriv");
        using var scratch = new RawScratch();
        WriteRawSegmentFile(scratch);

        // The other user writes it in a process of its own, world-writable, as an attacker would.
        var content = value < 0 ? string.Empty : $"printf '\\{Convert.ToString(value, 8)}' > {scratch.SemaphorePath}; head -c 31 /dev/zero >> {scratch.SemaphorePath}; ";
        var script = $"umask 0; : > {scratch.SemaphorePath}; {content}chmod 0666 {scratch.SemaphorePath}";
        var (exitCode, output) = Run([.. asNobody, "/bin/sh", "-c", script]);
        Assert.True(exitCode == 0, output);
        Assert.Equal(value < 0 ? 0 : 32, new FileInfo(scratch.SemaphorePath).Length);
        var planted = File.ReadAllBytes(scratch.SemaphorePath);

        var error = Assert.Throws<UnauthorizedAccessException>(() => RawCellSegment.Open(scratch.Options));

        Assert.Contains(scratch.SemaphorePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("uid 65534", error.Message, StringComparison.Ordinal);
        Assert.Equal(planted, File.ReadAllBytes(scratch.SemaphorePath));
    }

    [SkippableFact]
    public void Create_refuses_to_replace_a_semaphore_file_another_user_owns_and_leaves_it_alone()
    {
        Skip.IfNot(LibC.geteuid() == 0, "changing a file's owner needs root");
        using var scratch = new RawScratch();
        var planted = new byte[32];
        File.WriteAllBytes(scratch.SemaphorePath, planted);
        File.SetUnixFileMode(scratch.SemaphorePath, UserReadWrite);
        ChangeOwner(scratch.SemaphorePath, 12345);

        var error = Assert.Throws<UnauthorizedAccessException>(() => RawCellSegment.Create(scratch.Options));

        Assert.Contains("uid 12345", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(scratch.SemaphorePath), "a foreign semaphore file must never be removed");
        Assert.Equal(planted, File.ReadAllBytes(scratch.SemaphorePath));
        Assert.False(File.Exists(scratch.Path), "a create that fails removes the segment file it made");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(4096)]
    public void An_own_semaphore_file_of_the_wrong_size_is_corrupt_not_a_fault(int size)
    {
        using var scratch = new RawScratch();
        WriteRawSegmentFile(scratch);
        File.WriteAllBytes(scratch.SemaphorePath, new byte[size]);
        File.SetUnixFileMode(scratch.SemaphorePath, UserReadWrite);

        var error = Assert.Throws<SegmentCorruptedException>(() => RawCellSegment.Open(scratch.Options));

        Assert.Contains(scratch.SemaphorePath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{size} bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(size, new FileInfo(scratch.SemaphorePath).Length);
    }

    [Fact]
    public void A_semaphore_file_granting_more_than_the_mode_is_refused()
    {
        using var scratch = new RawScratch();
        WriteRawSegmentFile(scratch);
        File.WriteAllBytes(scratch.SemaphorePath, InitialSemaphore());
        File.SetUnixFileMode(scratch.SemaphorePath, UserReadWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);

        var error = Assert.Throws<UnauthorizedAccessException>(() => RawCellSegment.Open(scratch.Options));

        Assert.Contains("0606", error.Message, StringComparison.Ordinal);
        Assert.Contains(scratch.SemaphorePath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_at_the_semaphore_name_is_refused_and_its_target_untouched()
    {
        using var scratch = new RawScratch();
        WriteRawSegmentFile(scratch);
        var target = Path.Combine(Path.GetTempPath(), "shmgen-target-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(target, InitialSemaphore());
        File.SetUnixFileMode(target, UserReadWrite);
        try
        {
            File.CreateSymbolicLink(scratch.SemaphorePath, target);

            var open = Assert.Throws<UnauthorizedAccessException>(() => RawCellSegment.Open(scratch.Options));
            Assert.Contains("symbolic link", open.Message, StringComparison.Ordinal);
            Assert.Contains(scratch.SemaphorePath, open.Message, StringComparison.Ordinal);

            File.Delete(scratch.Path);
            Assert.Throws<UnauthorizedAccessException>(() => RawCellSegment.Create(scratch.Options));
            Assert.Equal(InitialSemaphore(), File.ReadAllBytes(target));
            Assert.NotNull(new FileInfo(scratch.SemaphorePath).LinkTarget);
        }
        finally
        {
            File.Delete(target);
        }
    }

    [Fact]
    public void Create_replaces_an_own_leftover_semaphore_left_taken_by_an_earlier_life_of_the_name()
    {
        using var scratch = new RawScratch();
        File.WriteAllBytes(scratch.SemaphorePath, new byte[32]); // value 0: a holder died with it
        File.SetUnixFileMode(scratch.SemaphorePath, UserReadWrite);

        using var segment = RawCellSegment.Create(scratch.Options);

        Assert.True(segment.TryLock(TimeSpan.FromSeconds(1), out var guard));
        guard.Dispose();
        Assert.Equal(UserReadWrite, File.GetUnixFileMode(scratch.SemaphorePath));
    }

    [Fact]
    public void The_semaphore_is_created_whole_with_the_segment_mode_and_value_1()
    {
        using var scratch = new RawScratch();
        var previous = LibC.umask(0x3F);
        try
        {
            using var segment = RawCellSegment.Create(scratch.With(o => new SegmentOptions { Name = o.Name, Mode = UserReadWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite }));
        }
        finally
        {
            LibC.umask(previous);
        }

        Assert.Equal(UserReadWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(scratch.SemaphorePath));
        Assert.Equal(InitialSemaphore(), File.ReadAllBytes(scratch.SemaphorePath));
    }

    [Fact]
    public void Open_of_a_raw_segment_whose_creator_made_no_semaphore_makes_one()
    {
        using var scratch = new RawScratch();
        WriteRawSegmentFile(scratch);

        using var segment = RawCellSegment.Open(scratch.Options);
        using (var guard = segment.Lock(TimeSpan.FromSeconds(1)))
        {
            guard.Value = 7;
        }

        Assert.Equal(InitialSemaphore(), File.ReadAllBytes(scratch.SemaphorePath));
        Assert.Equal(UserReadWrite, File.GetUnixFileMode(scratch.SemaphorePath));
    }

    [Fact]
    public void Unlink_leaves_a_semaphore_file_that_replaced_the_segments_own()
    {
        using var scratch = new RawScratch();
        using var segment = RawCellSegment.Create(scratch.Options);
        File.Delete(scratch.SemaphorePath);
        File.WriteAllBytes(scratch.SemaphorePath, InitialSemaphore());
        File.SetUnixFileMode(scratch.SemaphorePath, UserReadWrite);

        segment.Unlink();

        Assert.False(File.Exists(scratch.Path));
        Assert.True(File.Exists(scratch.SemaphorePath), "the name now names another file: not this segment's to remove");
    }

    [Fact]
    public void Unlink_removes_the_segments_own_semaphore_file()
    {
        using var scratch = new RawScratch();
        using var segment = RawCellSegment.Create(scratch.Options);

        segment.Unlink();

        Assert.False(File.Exists(scratch.Path));
        Assert.False(File.Exists(scratch.SemaphorePath));
    }

    [Fact]
    public void A_raw_name_whose_semaphore_file_would_not_fit_NAME_MAX_is_an_ArgumentException_before_any_system_call()
    {
        var prefix = "shmgen-test-" + Guid.NewGuid().ToString("N");
        var tooLong = prefix + new string('x', 247 - prefix.Length);

        var error = Assert.Throws<ArgumentException>(() => RawCellSegment.Create(new SegmentOptions { Name = tooLong }));

        Assert.Contains("246", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists("/dev/shm/" + tooLong));
        Assert.Throws<ArgumentException>(() => RawCellSegment.Open(new SegmentOptions { Name = tooLong }));

        // 246 is the longest that works: sem.NAME.lock is then exactly 255 characters.
        var longest = tooLong[..246];
        try
        {
            using var segment = RawCellSegment.Create(new SegmentOptions { Name = longest });
            using (var guard = segment.Lock(TimeSpan.FromSeconds(1)))
            {
                guard.Value = 246;
            }

            Assert.Equal(255, Path.GetFileName(NamedSemaphorePath(longest)).Length);
            Assert.True(File.Exists(NamedSemaphorePath(longest)));
            segment.Unlink();
            Assert.False(File.Exists(NamedSemaphorePath(longest)));
        }
        finally
        {
            File.Delete("/dev/shm/" + longest);
            File.Delete(NamedSemaphorePath(longest));
        }
    }

    [Fact]
    public void A_peer_rewriting_the_semaphore_on_every_iteration_never_crashes_hangs_or_outlasts_a_timeout()
    {
        // The lock's wait and post run glibc's protocol on words a same-uid peer can write: every Lock must end by its
        // timeout and every release return, whatever the value, waiter count and private field say.
        using var scratch = new RawScratch();
        using var segment = RawCellSegment.Create(scratch.Options);
        using var hostile = Peer.Start("scribble-lock", System.IO.Path.GetFileName(scratch.SemaphorePath), "random-semaphore");
        hostile.WaitForLine("scribbling");

        var timeout = TimeSpan.FromMilliseconds(50);
        var slack = TimeSpan.FromSeconds(2);
        int acquired = 0, timedOut = 0, corrupted = 0;
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(3))
        {
            var call = Stopwatch.StartNew();
            try
            {
                using var guard = segment.Lock(timeout);
                guard.Value++;
                acquired++;
            }
            catch (TimeoutException)
            {
                timedOut++;
            }
            catch (SegmentCorruptedException)
            {
                corrupted++; // a release that found the value at SEM_VALUE_MAX
            }

            Assert.True(call.Elapsed < timeout + slack, $"a Lock({timeout}) and its release took {call.Elapsed}");
        }

        Assert.True(acquired + timedOut + corrupted > 10, $"acquired {acquired}, timed out {timedOut}, corrupted {corrupted}");
        Assert.False(hostile.HasExited, hostile.Description);
    }

    /// <summary>What glibc's sem_init(&amp;s, 1, 1) (and so sem_open) makes: a process-shared semaphore of value 1.</summary>
    private static unsafe byte[] InitialSemaphore()
    {
        var bytes = new byte[32];
        fixed (byte* p = bytes)
        {
            Assert.Equal(0, sem_init(p, 1, 1));
        }

        Assert.Equal(1, bytes[0]);
        return bytes;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern unsafe int sem_init(byte* semaphore, int pshared, uint value);

    private static string NamedSemaphorePath(string name) => "/dev/shm/sem." + name + ".lock";

    private static void WriteRawSegmentFile(RawScratch scratch)
    {
        File.WriteAllBytes(scratch.Path, new byte[sizeof(long)]);
        File.SetUnixFileMode(scratch.Path, UserReadWrite);
    }

    private static (int ExitCode, string Output) Run(string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command[1..])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));
        return (process.ExitCode, output);
    }

    private static unsafe void ChangeOwner(string path, uint uid)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            Assert.Equal(0, LibC.chown(p, uid, uint.MaxValue));
        }
    }

    /// <summary>A unique Raw segment name; the segment and its semaphore file are removed when the test ends, pass or fail.</summary>
    private sealed class RawScratch : IDisposable
    {
        private readonly ScratchSegment _segment = new();

        public string Name => _segment.Name;

        public string Path => _segment.Path;

        public string SemaphorePath => NamedSemaphorePath(Name);

        public SegmentOptions Options => _segment.Options;

        public SegmentOptions With(Func<SegmentOptions, SegmentOptions> change) => _segment.With(change);

        public void Dispose()
        {
            _segment.Dispose();
            if (File.Exists(SemaphorePath) || new FileInfo(SemaphorePath).LinkTarget is not null)
            {
                File.Delete(SemaphorePath);
            }
        }
    }
}
