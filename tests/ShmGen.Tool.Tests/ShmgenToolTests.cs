using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ShmGen.Inspection;

namespace ShmGen.Tool.Tests;

/// <summary>
/// The shmgen commands against real segments in /dev/shm: created by this process (alive, mapped), by a child process
/// that exited (dead creator), by one that died holding the lock, and files that are not ShmGen segments at all.
/// </summary>
public sealed class ShmgenToolTests : IDisposable
{
    private readonly ShmNames _names = new();

    public void Dispose() => _names.Dispose();

    [Fact]
    public void A_raw_segment_is_named_as_one_and_gc_leaves_it_alone()
    {
        var name = _names.New("raw");
        using var segment = RawToolTestDataSegment.Create(new SegmentOptions { Name = name });
        try
        {
            var info = ShmGen.Inspection.SegmentInspector.Inspect(name);
            Assert.False(info.IsShmGenSegment);
            Assert.Contains("Raw-format segment", info.Problem, StringComparison.Ordinal);
            Assert.Contains($"/{name}.lock", info.Problem, StringComparison.Ordinal);

            var gc = Shmgen.Run("gc", _names.Pattern);
            Assert.True(gc.ExitCode == 0, gc.ToString());
            Assert.True(ShmNames.Exists(name));
        }
        finally
        {
            segment.Unlink(); // the segment and its semaphore
        }
    }

    [Fact]
    public void List_json_parses_and_matches_what_the_generated_type_knows()
    {
        var name = _names.New("json");
        using var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = name });

        // Unfiltered: the whole of /dev/shm, whatever else is in it, must still be valid JSON.
        var run = Shmgen.Run("list", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Output);
        var entry = document.RootElement.GetProperty("segments").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);
        Assert.Equal("ready", entry.GetProperty("status").GetString());
        Assert.True(entry.GetProperty("isShmGen").GetBoolean());
        Assert.False(entry.GetProperty("isStale").GetBoolean());
        Assert.Equal("segment", entry.GetProperty("kind").GetString());
        Assert.EndsWith("ToolTestData", entry.GetProperty("typeName").GetString(), StringComparison.Ordinal);
        Assert.Equal($"0x{ToolTestDataSegment.LayoutFingerprint:X16}", entry.GetProperty("layoutFingerprint").GetString());
        Assert.Equal(ToolTestDataSegment.LayoutDescription, entry.GetProperty("layoutDescription").GetString());
        Assert.Equal(Unsafe.SizeOf<ToolTestData>(), entry.GetProperty("payloadSize").GetInt32());
        Assert.Equal(new FileInfo("/dev/shm/" + name).Length, entry.GetProperty("fileSize").GetInt64());
        Assert.Equal("0600", entry.GetProperty("mode").GetString());
        Assert.Equal(Shmgen.CurrentUserId(), entry.GetProperty("ownerUid").GetUInt32());
        Assert.Equal(Environment.ProcessId, entry.GetProperty("creatorPid").GetInt32());
        Assert.True(entry.GetProperty("creatorAlive").GetBoolean());
        Assert.True(entry.GetProperty("inUse").GetBoolean());
        Assert.Equal("free", entry.GetProperty("lock").GetProperty("state").GetString());
    }

    [Fact]
    public void Inspect_prints_the_decoded_header_and_one_line_per_field()
    {
        var name = _names.New("inspect");
        using var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = name });
        using var guard = segment.Lock(TimeSpan.FromSeconds(10));

        var run = Shmgen.Run("inspect", "/" + name);

        Assert.True(run.ExitCode == 0, run.ToString());
        var details = Shmgen.ParseDetails(run.Output);
        Assert.Equal(name, details["Name"]);
        Assert.Equal("ready", details["Status"]);
        Assert.Equal("segment", details["Kind"]);
        Assert.EndsWith("ToolTestData", details["Type"], StringComparison.Ordinal);
        Assert.Equal($"0x{ToolTestDataSegment.LayoutFingerprint:X16}", details["Layout fingerprint"]);
        Assert.Equal($"{Unsafe.SizeOf<ToolTestData>()} bytes at offset 4096", details["Payload"]);
        Assert.Equal("0600 (rw-------)", details["Mode"]);
        Assert.Equal($"pid {Environment.ProcessId} (alive)", details["Creator"]);
        Assert.StartsWith("yes", details["In use"], StringComparison.Ordinal);
        Assert.Equal($"held by thread {Shmgen.CurrentThreadId()} of process {Environment.ProcessId} (alive)", details["Lock"]);
        Assert.Equal("no", details["Stale"]);

        // One line per field, as the generator laid them out; and the generator's offsets are the JIT's.
        var layout = SegmentLayoutInfo.Parse(ToolTestDataSegment.LayoutDescription)!;
        var fieldLines = run.Output.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(layout.Fields.Select(f => new[] { f.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), f.Name, f.Type }), fieldLines);
        Assert.Equal(["Counter", "Flags", "Last.Value", "Last.Sensor"], layout.Fields.Select(f => f.Name));
        var data = default(ToolTestData);
        Assert.Equal(
            new[] { Offset(ref data, ref data.Counter), Offset(ref data, ref data.Flags), Offset(ref data, ref data.Last.Value), Offset(ref data, ref data.Last.Sensor) },
            layout.Fields.Select(f => f.Offset));
    }

    [Fact]
    public void A_creator_that_died_holding_the_lock_leaves_an_abandoned_lock_and_a_stale_segment()
    {
        var name = _names.New("died-holding");
        Shmgen.Peer("die-holding", name);

        var run = Shmgen.Run("inspect", name, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        var creator = root.GetProperty("creatorPid").GetInt32();
        Assert.NotEqual(Environment.ProcessId, creator);
        Assert.False(root.GetProperty("creatorAlive").GetBoolean());
        Assert.False(root.GetProperty("inUse").GetBoolean());
        Assert.True(root.GetProperty("isStale").GetBoolean());
        var lockInfo = root.GetProperty("lock");
        Assert.Equal("abandoned", lockInfo.GetProperty("state").GetString());

        // The peer took the lock on its main thread, whose thread id is its pid.
        Assert.Equal(creator, lockInfo.GetProperty("ownerThreadId").GetInt32());

        // What the tool decoded is what the runtime finds: the next Lock is told the holder died.
        using var segment = ToolTestDataSegment.Open(new SegmentOptions { Name = name });
        using var guard = segment.Lock(TimeSpan.FromSeconds(10));
        Assert.True(guard.WasAbandoned);
        Assert.Equal(42, guard.Counter);
    }

    [Fact]
    public void A_lock_whose_repair_failed_is_reported_not_recoverable()
    {
        var name = _names.New("unrepairable");
        Shmgen.Peer("die-holding-unrepairable", name);
        using (var segment = ToolTestDataSegment.Open(new SegmentOptions { Name = name }))
        {
            // The repair hook throws: the runtime releases without marking the data consistent.
            Assert.Throws<InvalidOperationException>(() => segment.Lock(TimeSpan.FromSeconds(10)).Dispose());
        }

        var json = Shmgen.Run("inspect", name, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using (var document = JsonDocument.Parse(json.Output))
        {
            Assert.Equal("notRecoverable", document.RootElement.GetProperty("lock").GetProperty("state").GetString());
        }

        var listed = Assert.Single(Shmgen.Json("list", _names.Pattern).GetProperty("segments").EnumerateArray());
        Assert.Equal("notRecoverable", listed.GetProperty("lock").GetProperty("state").GetString());
    }

    [Fact]
    public void Rm_removes_segments_even_mapped_ones_and_refuses_files_that_are_not_ShmGen()
    {
        var unused = _names.New("unused");
        ToolTestDataSegment.Create(new SegmentOptions { Name = unused }).Dispose();
        var mapped = _names.New("mapped");
        using var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = mapped });
        var foreign = _names.Foreign("foreign", new byte[8192]);

        var run = Shmgen.Run("rm", unused, "/dev/shm/" + mapped);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(ShmNames.Exists(unused));
        Assert.False(ShmNames.Exists(mapped));
        Assert.Contains($"removed {unused}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"removed {mapped} (still mapped", run.Output, StringComparison.Ordinal);

        // Like ipcrm: the mapping outlives the name.
        using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
        {
            guard.Counter = 7;
            Assert.Equal(7, segment.Data.Counter);
        }

        var refused = Shmgen.Run("rm", foreign, _names.Prefix + "missing");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"'/dev/shm/{foreign}' is not a ShmGen segment", refused.Error, StringComparison.Ordinal);
        Assert.Contains("does not exist", refused.Error, StringComparison.Ordinal);
        Assert.True(ShmNames.Exists(foreign));
    }

    [Fact]
    public void Gc_removes_only_segments_whose_creator_died_and_that_no_process_maps()
    {
        var dead = _names.New("dead");
        Shmgen.Peer("create", dead);
        var deadButMapped = _names.New("dead-mapped");
        Shmgen.Peer("create", deadButMapped);
        var adopted = ToolTestDataSegment.Open(new SegmentOptions { Name = deadButMapped });
        var live = _names.New("live");
        using var liveSegment = ToolTestDataSegment.Create(new SegmentOptions { Name = live });
        var liveCreatorUnmapped = _names.New("live-unmapped");
        ToolTestDataSegment.Create(new SegmentOptions { Name = liveCreatorUnmapped }).Dispose();
        var foreign = _names.Foreign("foreign", new byte[4096]);
        var empty = _names.Foreign("empty", []);
        var everything = new[] { dead, deadButMapped, live, liveCreatorUnmapped, foreign, empty };

        try
        {
            var dryRun = Shmgen.Run("gc", _names.Pattern, "--dry-run", "--json");
            Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
            using (var document = JsonDocument.Parse(dryRun.Output))
            {
                Assert.True(document.RootElement.GetProperty("dryRun").GetBoolean());
                Assert.Equal([dead], document.RootElement.GetProperty("removed").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            }

            Assert.All(everything, n => Assert.True(ShmNames.Exists(n), $"{n} was removed by a dry run"));

            var gc = Shmgen.Run("gc", _names.Pattern);
            Assert.True(gc.ExitCode == 0, gc.ToString());
            Assert.Contains($"removed {dead} ", gc.Output, StringComparison.Ordinal);
            Assert.Contains("1 stale segment removed.", gc.Output, StringComparison.Ordinal);
            Assert.False(ShmNames.Exists(dead));
            Assert.All(everything.Skip(1), n => Assert.True(ShmNames.Exists(n), $"{n} was removed by gc"));

            // The only thing that kept deadButMapped was this process's mapping: once it is gone, gc takes it.
            adopted.Dispose();
            var again = Shmgen.Run("gc", _names.Pattern);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.False(ShmNames.Exists(deadButMapped));
            Assert.All(new[] { live, liveCreatorUnmapped, foreign, empty }, n => Assert.True(ShmNames.Exists(n), $"{n} was removed by gc"));
        }
        finally
        {
            adopted.Dispose();
        }
    }

    [Fact]
    public void Files_that_are_not_ShmGen_segments_are_reported_as_such()
    {
        var foreign = _names.Foreign("foreign", Enumerable.Range(0, 8192).Select(i => (byte)i).ToArray());
        var empty = _names.Foreign("empty", []);

        // A real header whose payload was cut off: ShmGen's, but corrupted.
        var source = _names.New("source");
        ToolTestDataSegment.Create(new SegmentOptions { Name = source }).Dispose();
        var truncated = _names.Foreign("truncated", File.ReadAllBytes("/dev/shm/" + source)[..4096]);
        File.Delete("/dev/shm/" + source);

        var listed = Assert.Single(Shmgen.Json("list", _names.Pattern).GetProperty("segments").EnumerateArray());
        Assert.Equal((truncated, "corrupted"), (listed.GetProperty("name").GetString(), listed.GetProperty("status").GetString()));
        var list = Shmgen.Run("list", _names.Pattern);
        Assert.Contains("2 other files in /dev/shm are not ShmGen segments (--all shows them).", list.Output, StringComparison.Ordinal);

        var all = Shmgen.Json("list", _names.Pattern, "--all").GetProperty("segments").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("status").GetString());
        Assert.Equal("notShmGen", all[foreign]);
        Assert.Equal("notShmGen", all[empty]);
        Assert.Equal("corrupted", all[truncated]);

        var inspect = Shmgen.Run("inspect", foreign);
        Assert.Equal(1, inspect.ExitCode);
        Assert.Contains($"'/dev/shm/{foreign}' is not a ShmGen segment: no ShmGen header", inspect.Error, StringComparison.Ordinal);

        var corrupted = Shmgen.ParseDetails(Shmgen.Run("inspect", truncated).Output);
        Assert.StartsWith("corrupted (the file is 4096 bytes but the header says", corrupted["Status"], StringComparison.Ordinal);

        var emptyRun = Shmgen.Run("inspect", empty, "--json");
        Assert.Equal(1, emptyRun.ExitCode);
        using (var document = JsonDocument.Parse(emptyRun.Output))
        {
            var segment = document.RootElement.GetProperty("segment");
            Assert.Equal("notShmGen", segment.GetProperty("status").GetString());
            Assert.False(segment.GetProperty("isShmGen").GetBoolean());
            Assert.Equal("an empty file", segment.GetProperty("problem").GetString());
        }

        var gc = Shmgen.Run("gc", _names.Pattern);
        Assert.Contains("No stale ShmGen segments.", gc.Output, StringComparison.Ordinal);
        Assert.True(ShmNames.Exists(foreign) && ShmNames.Exists(empty) && ShmNames.Exists(truncated));
    }

    [Fact]
    public void The_built_tool_runs_as_a_process_and_reports_errors_with_a_nonzero_exit_code()
    {
        var name = _names.New("process");
        using var segment = ToolTestDataSegment.Create(new SegmentOptions { Name = name });
        var tool = Path.Combine(AppContext.BaseDirectory, "ShmGen.Tool.dll");

        var list = Shmgen.RunProcess(tool, "list", _names.Pattern, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        using (var document = JsonDocument.Parse(list.Output))
        {
            Assert.Equal([name], document.RootElement.GetProperty("segments").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        }

        var missing = Shmgen.RunProcess(tool, "inspect", _names.Prefix + "missing");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);

        var invalid = Shmgen.RunProcess(tool, "inspect", "a/b");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("cannot name a file in /dev/shm", invalid.Error, StringComparison.Ordinal);
    }

    private static int Offset<T>(ref ToolTestData data, ref T field) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<ToolTestData, byte>(ref data), ref Unsafe.As<T, byte>(ref field));
}
