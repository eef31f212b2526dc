using System;
using System.IO;
using ShmGen.Runtime.Files;

namespace ShmGen.Tests;

/// <summary>The environments issue 11 §7 found: no /dev/shm, and a process close to vm.max_map_count.</summary>
public sealed class HostileEnvironmentTests
{
    [SkippableFact]
    public void Without_dev_shm_the_error_says_dev_shm_is_missing()
    {
        SkipUnlessPrivateMounts();

        // A private mount namespace with a tmpfs over /dev holding only the device nodes dotnet needs: no /dev/shm.
        const string NoShm =
            "d=$(mktemp -d) && mount --rbind /dev \"$d\" && mount -t tmpfs shmgen-nodev /dev && " +
            "for f in null zero random urandom; do touch /dev/$f && mount --bind \"$d/$f\" /dev/$f; done && exec \"$0\" \"$@\"";
        using var child = Peer.Start(["unshare", "-m", "sh", "-c", NoShm], "open", "shmgen-test-no-dev-shm");
        var (_, lines) = child.Finish();

        Assert.True(lines.Count >= 2, string.Join(" | ", lines));
        Assert.Equal(nameof(SegmentNotFoundException), lines[0]);
        Assert.Contains("/dev/shm is missing", lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("RemoveIPC", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Close_to_vm_max_map_count_a_new_mapping_is_OutOfSharedMemory_and_nothing_crashes()
    {
        var prefix = "shmgen-test-mapcount-" + Guid.NewGuid().ToString("N");
        try
        {
            using var child = Peer.Start("map-until-refused", prefix);
            var (exitCode, lines) = child.Finish(TimeSpan.FromSeconds(120));

            Assert.True(exitCode == 0, $"exit code {exitCode}: {string.Join(" | ", lines)}");
            Assert.Equal(nameof(OutOfSharedMemoryException), lines[0]);
            Assert.Contains("vm.max_map_count", lines[1], StringComparison.Ordinal);
            Assert.Contains("sysctl", lines[1], StringComparison.Ordinal);

            // The limit was set 1,300 above the child's starting count with a 1,000 margin: it mapped some, not all.
            var mapped = int.Parse(lines[2]["mapped ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(mapped, 1, 300);
        }
        finally
        {
            foreach (var leftover in Directory.GetFiles("/dev/shm", prefix + "*"))
            {
                File.Delete(leftover);
            }
        }
    }

    [Fact]
    public void The_map_count_limit_is_read_from_the_kernel_when_not_overridden()
    {
        // This test process sets no override: the limit is the sysctl's, and the process is far below it.
        Assert.Null(Environment.GetEnvironmentVariable(MapCountHeadroom.TestLimitVariable));
        Assert.Equal(int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), System.Globalization.CultureInfo.InvariantCulture), MapCountHeadroom.Limit);
        Assert.InRange(MapCountHeadroom.CountMappings(), 1, MapCountHeadroom.Limit - MapCountHeadroom.Margin);
    }

    private static void SkipUnlessPrivateMounts()
    {
        var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("unshare", "-m true") { RedirectStandardError = true });
        probe!.WaitForExit();
        Skip.If(probe.ExitCode != 0, "this machine forbids unshare -m (needs root or user namespaces), so /dev/shm cannot be hidden");
    }
}
