using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace ShmGen.Tool.Tests;

/// <summary>
/// What an operator asks of shmgen while an application runs, against segments and queues a real child process
/// (<see cref="LivePeer"/>) creates and uses: queue depth, field values, who maps what, patterns that match nothing,
/// errors a script can parse, and <c>top</c>'s samples.
/// </summary>
public sealed class OperatorTests : IDisposable
{
    private readonly ShmNames _names = new();
    private readonly LivePeer _peer = new();

    public void Dispose()
    {
        _peer.Dispose();
        _names.Dispose();
    }

    [Fact]
    public void A_queue_shows_its_capacity_and_depth_in_list_and_inspect()
    {
        var name = _names.New("queue");
        _peer.Do($"queue {name}");
        _peer.Do($"enqueue {name} 5");

        var listed = Shmgen.Json("list", _names.Pattern).GetProperty("segments").EnumerateArray().Single();
        Assert.Equal("queue", listed.GetProperty("kind").GetString());
        Assert.Equal((64, 5), Queue(listed));
        Assert.Equal(["Id", "Payload"], listed.GetProperty("layout").GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()));

        _peer.Do($"dequeue {name} 2");
        Assert.Equal((64, 3), Queue(Shmgen.Json("inspect", name)));

        // Full: the depth the tool shows is what the queue itself counts.
        _peer.Do($"enqueue {name} 61");
        using (var queue = ToolTestJobQueue.Open(new SegmentOptions { Name = name }))
        {
            Assert.Equal(64, queue.Count);
            Assert.Equal((64, 64), Queue(Shmgen.Json("inspect", name)));
        }

        var human = Shmgen.Run("inspect", name);
        Assert.Contains("Queue:", human.Output, StringComparison.Ordinal);
        Assert.Contains("64 of 64 items", human.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_topic_shows_its_capacity_and_last_sequence_number_in_list_and_inspect()
    {
        var name = _names.New("topic");
        _peer.Do($"topic {name}");
        var fresh = Shmgen.Json("list", _names.Pattern).GetProperty("segments").EnumerateArray().Single();
        Assert.Equal("topic", fresh.GetProperty("kind").GetString());
        Assert.Equal((16, 0L, -1L), Topic(fresh));

        // Lapped: the count is what was published, not what the ring still keeps.
        _peer.Do($"publish {name} 40");
        Assert.Equal((16, 40L, 39L), Topic(Shmgen.Json("inspect", name)));
        var human = Shmgen.Run("inspect", name);
        Assert.Contains("last sequence number 39 (40 published); keeps the last 16 items", human.Output, StringComparison.Ordinal);
        Assert.Contains("#40 (16)", Shmgen.Run("list", _names.Pattern).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_values_shows_every_field_decoded_from_the_stored_layout()
    {
        var name = _names.New("values");
        _peer.Do($"segment {name}");

        Assert.Equal(
            [("Counter", "Int64", "42"), ("Flags", "Int32", "-7"), ("Last.Value", "Double", "2.5"), ("Last.Sensor", "Int16", "7")],
            Values(Shmgen.Json("inspect", name, "--values")));

        // Written by this process through the generated type: the tool reads the same bytes back, full precision.
        using (var segment = ToolTestDataSegment.Open(new SegmentOptions { Name = name }))
        using (var guard = segment.Lock(TimeSpan.FromSeconds(10)))
        {
            guard.Counter = long.MinValue + 1;
            guard.Last.Value = 0.1;
            guard.Last.Sensor = short.MaxValue;
        }

        var values = Values(Shmgen.Json("inspect", name, "--values"));
        Assert.Equal((long.MinValue + 1).ToString(CultureInfo.InvariantCulture), values[0].Value);
        Assert.Equal(0.1, double.Parse(values[2].Value, CultureInfo.InvariantCulture));
        Assert.Equal("32767", values[3].Value);

        // Without --values nothing is read from the payload.
        Assert.Equal(JsonValueKind.Null, Shmgen.Json("inspect", name).GetProperty("values").ValueKind);
        var human = Shmgen.Run("inspect", name, "--values");
        Assert.Contains("read without the lock", human.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapped_by_names_every_process_that_maps_the_segment()
    {
        var name = _names.New("mapped");
        _peer.Do($"segment {name}");

        Assert.Equal([_peer.ProcessId], MappedBy(Shmgen.Json("inspect", name)));

        using (ToolTestDataSegment.Open(new SegmentOptions { Name = name }))
        {
            var both = new[] { _peer.ProcessId, Environment.ProcessId }.Order().ToArray();
            Assert.Equal(both, MappedBy(Shmgen.Json("inspect", name)));
            Assert.Equal(both, MappedBy(Shmgen.Json("list", _names.Pattern).GetProperty("segments")[0]));
        }

        // Unmapped by this process again: only the peer is left. A dead creator's leftover is mapped by nobody.
        Assert.Equal([_peer.ProcessId], MappedBy(Shmgen.Json("inspect", name)));
        var leftover = _names.New("leftover");
        Shmgen.Peer("create", leftover);
        var report = Shmgen.Json("inspect", leftover);
        Assert.Empty(MappedBy(report));
        Assert.False(report.GetProperty("inUse").GetBoolean());
    }

    [Fact]
    public void A_pattern_that_matches_nothing_says_so_while_other_segments_exist()
    {
        var name = _names.New("exists");
        _peer.Do($"segment {name}");
        var foreign = _names.Foreign("foreign", new byte[4096]);

        var none = Shmgen.Run("list", _names.Prefix + "zzz-*");
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.Equal($"No file in /dev/shm matches '{_names.Prefix}zzz-*'.", none.Output.Trim());

        var onlyForeign = Shmgen.Run("list", foreign);
        Assert.StartsWith($"No ShmGen segment in /dev/shm matches '{foreign}'.", onlyForeign.Output, StringComparison.Ordinal);
        Assert.Contains("1 other file in /dev/shm is not a ShmGen segment", onlyForeign.Output, StringComparison.Ordinal);

        var json = Shmgen.Json("list", _names.Prefix + "zzz-*");
        Assert.Equal(_names.Prefix + "zzz-*", json.GetProperty("pattern").GetString());
        Assert.Equal(0, json.GetProperty("segments").GetArrayLength());
    }

    [Fact]
    public void Json_errors_are_json_with_a_nonzero_exit_code()
    {
        var missing = Shmgen.Run("inspect", _names.Prefix + "missing", "--json");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("", missing.Error);
        using (var document = JsonDocument.Parse(missing.Output))
        {
            Assert.Equal("notFound", document.RootElement.GetProperty("error").GetString());
            Assert.Equal(_names.Prefix + "missing", document.RootElement.GetProperty("name").GetString());
            Assert.Contains("does not exist", document.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var invalid = Shmgen.Run("inspect", "a/b", "--json");
        Assert.Equal(1, invalid.ExitCode);
        using (var document = JsonDocument.Parse(invalid.Output))
        {
            Assert.Equal("invalidName", document.RootElement.GetProperty("error").GetString());
        }

        var foreign = _names.Foreign("foreign", new byte[4096]);
        var notShmGen = Shmgen.Run("inspect", foreign, "--json");
        Assert.Equal(1, notShmGen.ExitCode);
        using (var document = JsonDocument.Parse(notShmGen.Output))
        {
            Assert.Equal("notShmGen", document.RootElement.GetProperty("error").GetString());
            Assert.Equal("notShmGen", document.RootElement.GetProperty("segment").GetProperty("status").GetString());
        }

        var segment = _names.New("removable");
        _peer.Do($"segment {segment}");
        var partly = Shmgen.Run("rm", segment, foreign, "--json");
        Assert.Equal(1, partly.ExitCode);
        using (var document = JsonDocument.Parse(partly.Output))
        {
            Assert.Equal([segment], document.RootElement.GetProperty("removed").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            var error = Assert.Single(document.RootElement.GetProperty("errors").EnumerateArray());
            Assert.Equal(("notShmGen", foreign), (error.GetProperty("error").GetString(), error.GetProperty("name").GetString()));
        }

        var usage = Shmgen.Run("top", "--interval", "soon", "--json");
        Assert.Equal(1, usage.ExitCode);
        using (var document = JsonDocument.Parse(usage.Output))
        {
            Assert.Equal("usage", document.RootElement.GetProperty("error").GetString());
        }
    }

    [Fact]
    public void Top_samples_depth_rates_lock_holders_and_liveness()
    {
        var queue = _names.New("top-queue");
        var segment = _names.New("top-segment");
        var stale = _names.New("top-stale");
        _peer.Do($"queue {queue}");
        _peer.Do($"segment {segment}");
        _peer.Do($"lock {segment}");
        Shmgen.Peer("create", stale);

        // Items go in while top samples: every sample after the first has a rate, and the depth only grows.
        _peer.Do($"trickle {queue} 60 50");
        var topRun = Shmgen.Run("top", _names.Pattern, "--iterations", "3", "--interval", "0.4", "--json");
        var frames = Frames(topRun);

        Assert.Equal(3, frames.Count);
        Assert.Equal(JsonValueKind.Null, frames[0].GetProperty("intervalSeconds").ValueKind);
        var rows = frames.Select(f => f.GetProperty("segments").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!)).ToList();
        Assert.All(rows, r => Assert.Equal(new[] { queue, segment, stale }.Order(), r.Keys.Order()));
        var depths = rows.Select(r => r[queue].GetProperty("queue").GetProperty("count").GetInt32()).ToList();
        Assert.Equal(depths.Order(), depths);
        Assert.True(depths[^1] > depths[0], $"depths {string.Join(", ", depths)}");
        Assert.True(rows[2][queue].GetProperty("enqueuedPerSecond").GetDouble() > 0, topRun.Output);
        Assert.Equal(0, rows[2][queue].GetProperty("dequeuedPerSecond").GetDouble());
        Assert.Equal(JsonValueKind.Null, rows[0][queue].GetProperty("enqueuedPerSecond").ValueKind);

        Assert.Equal("alive", rows[2][queue].GetProperty("state").GetString());
        Assert.Equal("stale", rows[2][stale].GetProperty("state").GetString());
        var held = rows[2][segment].GetProperty("lock");
        Assert.Equal(("held", _peer.ProcessId), (held.GetProperty("state").GetString(), held.GetProperty("ownerPid").GetInt32()));
        Assert.Equal([_peer.ProcessId], rows[2][segment].GetProperty("mappedBy").EnumerateArray().Select(p => p.GetInt32()));

        // A segment's rate counts fields that changed between samples.
        _peer.Do($"unlock {segment}");
        _peer.Do($"tick {segment} 40 20");
        var tickRun = Shmgen.Run("top", segment, "--iterations", "2", "--interval", "0.4", "--json");
        var ticking = Frames(tickRun);
        Assert.True(ticking[1].GetProperty("segments")[0].GetProperty("fieldChangesPerSecond").GetDouble() > 0, tickRun.Output);
    }

    [Fact]
    public void Top_writes_plain_lines_when_the_output_is_not_a_terminal()
    {
        var queue = _names.New("plain");
        _peer.Do($"queue {queue}");
        _peer.Do($"enqueue {queue} 3");

        var run = Shmgen.Run("top", _names.Pattern, "--once");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("\u001b[", run.Output, StringComparison.Ordinal);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("shmgen top ", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith(queue, StringComparison.Ordinal) && l.Contains("3/64", StringComparison.Ordinal));
    }

    private static (int Capacity, long Published, long LastSequence) Topic(JsonElement segment)
    {
        var topic = segment.GetProperty("topic");
        return (topic.GetProperty("capacity").GetInt32(), topic.GetProperty("published").GetInt64(), topic.GetProperty("lastSequence").GetInt64());
    }

    private static (int Capacity, int Count) Queue(JsonElement segment)
    {
        var queue = segment.GetProperty("queue");
        return (queue.GetProperty("capacity").GetInt32(), queue.GetProperty("count").GetInt32());
    }

    private static (string Name, string Type, string Value)[] Values(JsonElement segment) =>
        segment.GetProperty("values").EnumerateArray()
            .Select(v => (v.GetProperty("name").GetString()!, v.GetProperty("type").GetString()!, v.GetProperty("value").GetString()!)).ToArray();

    private static int[] MappedBy(JsonElement segment) =>
        segment.GetProperty("mappedBy").EnumerateArray().Select(p => p.GetInt32()).ToArray();

    private static System.Collections.Generic.List<JsonElement> Frames(ToolRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
