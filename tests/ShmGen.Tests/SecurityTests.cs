using System;
using System.IO;
using ShmGen.Testing;
using Tmds.Linux;

// These tests grant group access on purpose: cross-user sharing (and its refusal) is what they check.
#pragma warning disable SHM301

namespace ShmGen.Tests;

/// <summary>Permissions, ownership and planted files: nothing is opened that could be a trap.</summary>
[Collection(ProcessWideState.Name)]
public sealed class SecurityTests
{
    private const UnixFileMode UserReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode UserGroupReadWrite = UserReadWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    [Theory]
    [InlineData(0x000)]
    [InlineData(0x3F)] // 077
    public void The_default_mode_is_exactly_0600_whatever_the_umask(int umask)
    {
        using var scratch = new ScratchSegment();
        var previous = LibC.umask((ushort)umask);
        try
        {
            using var segment = CounterSegment.Create(scratch.Options);
        }
        finally
        {
            LibC.umask(previous);
        }

        Assert.Equal(UserReadWrite, File.GetUnixFileMode(scratch.Path));
    }

    [Fact]
    public void An_explicit_mode_is_applied_exactly_even_under_umask_077()
    {
        using var scratch = new ScratchSegment();
        var previous = LibC.umask(0x3F);
        try
        {
            using var segment = CounterSegment.Create(scratch.With(o => new SegmentOptions { Name = o.Name, Mode = UserGroupReadWrite }));
        }
        finally
        {
            LibC.umask(previous);
        }

        Assert.Equal(UserGroupReadWrite, File.GetUnixFileMode(scratch.Path));
    }

    [Fact]
    public void Open_refuses_a_segment_whose_mode_grants_more_than_expected()
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        File.SetUnixFileMode(scratch.Path, UserReadWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);

        var error = Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.Open(scratch.Options));
        Assert.Contains("0606", error.Message, StringComparison.Ordinal);
        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public unsafe void Open_refuses_a_segment_owned_by_another_user_unless_the_mode_opts_into_sharing()
    {
        Skip.IfNot(LibC.geteuid() == 0, "changing a file's owner needs root");
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        ChangeOwner(scratch.Path, 12345);

        var error = Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.Open(scratch.Options));
        Assert.Contains("uid 12345", error.Message, StringComparison.Ordinal);

        // Expecting group access is opting into sharing between users: the foreign owner is accepted then.
        using var shared = CounterSegment.Open(scratch.With(o => new SegmentOptions { Name = o.Name, Mode = UserGroupReadWrite }));
        Assert.False(shared.IsCreator);
    }

    [Fact]
    public void A_symlink_planted_at_the_name_is_refused_and_its_target_untouched()
    {
        using var scratch = new ScratchSegment();
        var target = Path.Combine(Path.GetTempPath(), "shmgen-target-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(target, "precious");
        try
        {
            File.CreateSymbolicLink(scratch.Path, target);

            Assert.Throws<UnauthorizedAccessException>(() => CounterSegment.Open(scratch.Options));
            var create = Assert.Throws<SegmentAlreadyExistsException>(() => CounterSegment.Create(scratch.Options));
            Assert.Contains(scratch.Name, create.Message, StringComparison.Ordinal);
            Assert.Equal("precious", File.ReadAllText(target));
        }
        finally
        {
            File.Delete(target);
        }
    }

    [Fact]
    public void A_directory_at_the_name_is_refused()
    {
        using var scratch = new ScratchSegment();
        Directory.CreateDirectory(scratch.Path);
        try
        {
            Assert.ThrowsAny<Exception>(() => CounterSegment.Open(scratch.Options));
        }
        finally
        {
            Directory.Delete(scratch.Path);
        }
    }

    [SkippableFact]
    public void Another_user_gets_UnauthorizedAccess_for_a_0600_segment_but_shares_one_whose_mode_opts_in()
    {
        string[] asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        Skip.IfNot(LibC.geteuid() == 0 && File.Exists("/usr/bin/setpriv"), "running a child as another user needs root and setpriv");
        Skip.IfNot(CanRunPeerAs(asNobody), "user nobody cannot read the test binaries here (a private checkout directory)");
        using var scratch = new ScratchSegment();
        using (var privateSegment = CounterSegment.Create(scratch.Options))
        {
            using var denied = Peer.Start(asNobody, "open", scratch.Name);
            var (exitCode, lines) = denied.Finish();

            Assert.True(exitCode == 3, string.Join(" | ", lines));
            Assert.Equal(nameof(UnauthorizedAccessException), lines[0]);
            Assert.Contains("EACCES", lines[1], StringComparison.Ordinal);
        }

        using var everyone = new ScratchSegment();
        using var shared = CounterSegment.Create(everyone.With(o => new SegmentOptions { Name = o.Name, Mode = (UnixFileMode)0x1B6 }));
        using var writer = Peer.Start(asNobody, "write-shared", everyone.Name, "4242");
        var (sharedExit, sharedLines) = writer.Finish();

        Assert.True(sharedExit == 0, string.Join(" | ", sharedLines));
        using var guard = shared.Lock(TimeSpan.FromSeconds(5));
        Assert.Equal(4242, guard.Value);
    }

    internal static bool CanRunPeerAs(string[] wrapper)
    {
        var info = new System.Diagnostics.ProcessStartInfo(wrapper[0]) { UseShellExecute = false };
        foreach (var argument in wrapper[1..])
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(Peer.DotNetHost);
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ShmGen.TestPeer.dll"));
        info.ArgumentList.Add("open");
        info.ArgumentList.Add("shmgen-test-probe-" + Guid.NewGuid().ToString("N"));
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var probe = System.Diagnostics.Process.Start(info)!;
        var output = probe.StandardOutput.ReadToEnd();
        probe.WaitForExit();

        // The peer ran as that user when it got as far as reporting the missing segment.
        return output.StartsWith(nameof(SegmentNotFoundException), StringComparison.Ordinal);
    }

    private static unsafe void ChangeOwner(string path, uint uid)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            Assert.Equal(0, LibC.chown(p, uid, uint.MaxValue));
        }
    }
}

/// <summary>Tests that change process-wide state (the umask) must not run beside tests that create files.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideState
{
    public const string Name = "process-wide state";
}
