using System;
using System.IO;
using System.Threading;
using ShmGen.Testing;

namespace ShmGen.Tests;

public sealed class SegmentLifecycleTests
{
    [Fact]
    public void Create_then_Open_share_the_same_memory()
    {
        using var scratch = new ScratchSegment();
        using var created = CounterSegment.Create(scratch.Options);
        using var opened = CounterSegment.Open(scratch.Options);

        using (var guard = created.Lock())
        {
            guard.Value = 42;
        }

        Assert.True(created.IsCreator);
        Assert.False(opened.IsCreator);
        Assert.Equal(scratch.Name, opened.Name);
        Assert.Equal(42, opened.Data.Value);
    }

    [Fact]
    public void A_new_segment_is_zeroed_and_sized_to_header_plus_payload()
    {
        using var scratch = new ScratchSegment();
        using var segment = MessageSegment.Create(scratch.Options);

        Assert.Equal(0, segment.Data.Sequence);
        Assert.Equal(4096 + 128, new FileInfo(scratch.Path).Length);
    }

    [Fact]
    public void Create_of_an_existing_name_throws_and_leaves_it_untouched()
    {
        using var scratch = new ScratchSegment();
        using var first = CounterSegment.Create(scratch.Options);
        using (var guard = first.Lock())
        {
            guard.Value = 7;
        }

        var error = Assert.Throws<SegmentAlreadyExistsException>(() => CounterSegment.Create(scratch.Options));

        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
        Assert.Equal(scratch.Name, error.SegmentName);
        Assert.Equal(17, error.ErrorNumber);
        using var reopened = CounterSegment.Open(scratch.Options);
        Assert.Equal(7, reopened.Data.Value);
    }

    [Fact]
    public void Open_of_a_missing_name_throws_NotFound_and_mentions_RemoveIPC()
    {
        using var scratch = new ScratchSegment();

        var error = Assert.Throws<SegmentNotFoundException>(() => CounterSegment.Open(scratch.Options));

        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
        Assert.Contains("RemoveIPC", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.Path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/leading-slash")]
    [InlineData("a/b")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("has space")]
    [InlineData("nul\0byte")]
    [InlineData("ümlaut")]
    public void An_invalid_name_throws_ArgumentException_before_any_system_call(string name)
    {
        var before = Directory.GetFiles("/dev/shm").Length;

        var error = Assert.Throws<ArgumentException>(() => CounterSegment.Create(new SegmentOptions { Name = name }));

        Assert.Contains("Invalid shared memory segment name", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CounterSegment.Open(new SegmentOptions { Name = name }));
        Assert.Throws<ArgumentException>(() => CounterSegment.TryUnlink(new SegmentOptions { Name = name }));
        Assert.Equal(before, Directory.GetFiles("/dev/shm").Length);
    }

    [Fact]
    public void A_name_over_250_characters_is_rejected_and_250_is_accepted()
    {
        var tooLong = "shmgen-test-" + new string('x', 250 - 12 + 1);
        Assert.Throws<ArgumentException>(() => CounterSegment.Create(new SegmentOptions { Name = tooLong }));

        using var scratch = new ScratchSegmentNamed("shmgen-test-" + Guid.NewGuid().ToString("N") + new string('y', 250 - 44));
        using var segment = CounterSegment.Create(new SegmentOptions { Name = scratch.Name });
        Assert.Equal(250, segment.Name.Length);
    }

    [Fact]
    public void Unlink_removes_the_name_but_every_mapping_stays_valid()
    {
        using var scratch = new ScratchSegment();
        using var creator = CounterSegment.Create(scratch.Options);
        using var peer = CounterSegment.Open(scratch.Options);

        creator.Unlink();

        Assert.False(File.Exists(scratch.Path));
        using (var guard = peer.Lock())
        {
            guard.Value = 99;
        }

        Assert.Equal(99, creator.Data.Value);
        var error = Assert.Throws<SegmentNotFoundException>(() => CounterSegment.Open(scratch.Options));
        Assert.Contains("RemoveIPC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unlink_never_removes_a_newer_segment_that_reuses_the_name()
    {
        using var scratch = new ScratchSegment();
        using var old = CounterSegment.Create(scratch.Options);
        old.Unlink();
        using var newer = CounterSegment.Create(scratch.Options);

        old.Unlink();

        Assert.True(File.Exists(scratch.Path));
    }

    [Fact]
    public void TryUnlink_reports_whether_there_was_a_name_to_remove()
    {
        using var scratch = new ScratchSegment();
        using (CounterSegment.Create(scratch.Options))
        {
        }

        Assert.True(CounterSegment.TryUnlink(scratch.Options));
        Assert.False(CounterSegment.TryUnlink(scratch.Options));
    }

    [Fact]
    public void Dispose_is_idempotent_never_unlinks_and_later_access_throws_ObjectDisposed()
    {
        using var scratch = new ScratchSegment();
        var segment = CounterSegment.Create(scratch.Options);

        segment.Dispose();
        segment.Dispose();

        Assert.True(File.Exists(scratch.Path));
        Assert.Throws<ObjectDisposedException>(() => segment.Data.Value);
        Assert.Throws<ObjectDisposedException>(() => segment.Lock());
    }

    [Fact]
    public void Dispose_inside_a_held_guard_defers_the_unmap_until_the_guard_is_released()
    {
        using var scratch = new ScratchSegment();
        var segment = CounterSegment.Create(scratch.Options);
        using (var guard = segment.Lock())
        {
            segment.Dispose();
            guard.Value = 5; // still mapped: the unmap waits for the guard
        }

        using var reopened = CounterSegment.Open(scratch.Options);
        Assert.Equal(5, reopened.Data.Value);
    }

    [Fact]
    public void OpenOrCreate_creates_once_then_attaches()
    {
        using var scratch = new ScratchSegment();
        using var first = CounterSegment.OpenOrCreate(scratch.Options);
        using var second = CounterSegment.OpenOrCreate(scratch.Options);

        Assert.True(first.IsCreator);
        Assert.False(second.IsCreator);
    }

    [Fact]
    public void Guard_accessors_reach_every_field_including_nested_structs_enums_and_fixed_buffers()
    {
        using var scratch = new ScratchSegment();
        using var segment = MessageSegment.Create(scratch.Options);
        using (var guard = segment.Lock())
        {
            guard.Sequence = 3;
            guard.Origin.X = 1.5;
            guard.Tint = Color.Red;
            guard.Text[63] = 0xAB;
        }

        ref var data = ref segment.Data;
        Assert.Equal(3, data.Sequence);
        Assert.Equal(1.5, data.Origin.X);
        Assert.Equal(Color.Red, data.Tint);
        Assert.Equal(64, GetTextLength(segment));
    }

    [Fact]
    public void Explicit_layout_unions_overlap_in_the_mapping()
    {
        using var scratch = new ScratchSegment();
        using var segment = UnionSegment.Create(scratch.Options);
        using var guard = segment.Lock();

        guard.Whole = 0x0000_0002_0000_0001;

        Assert.Equal(1, guard.Low);
        Assert.Equal(2, guard.High);
    }

    [Fact]
    public void Lock_with_timeout_and_TryLock_time_out_while_another_thread_holds_the_lock()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using var other = CounterSegment.Open(scratch.Options);
            using (other.Lock())
            {
                holding.Set();
                release.Wait();
            }
        });
        holder.Start();
        holding.Wait();

        var error = Assert.Throws<TimeoutException>(() => segment.Lock(TimeSpan.FromMilliseconds(100)));
        Assert.False(segment.TryLock(TimeSpan.FromMilliseconds(50), out _));
        release.Set();
        holder.Join();

        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
        Assert.True(segment.TryLock(TimeSpan.FromSeconds(5), out var guard));
        guard.Dispose();
    }

    [Fact]
    public void SegmentOptions_LockTimeout_is_the_default_for_Lock()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.With(o => new SegmentOptions { Name = o.Name, LockTimeout = TimeSpan.FromMilliseconds(50) }));
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            using (segment.Lock())
            {
                holding.Set();
                release.Wait();
            }
        });
        holder.Start();
        holding.Wait();

        Assert.Throws<TimeoutException>(() => segment.Lock());
        release.Set();
        holder.Join();
    }

    [Fact]
    public void Locking_twice_on_one_thread_throws_instead_of_deadlocking()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        using var guard = segment.Lock();

        Assert.Throws<LockRecursionException>(() => segment.Lock(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Guard_Dispose_is_idempotent()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        var guard = segment.Lock();
        guard.Dispose();
        guard.Dispose();

        using var again = segment.Lock(TimeSpan.FromSeconds(1));
        Assert.False(again.WasAbandoned);
    }

    private static int GetTextLength(MessageSegment segment)
    {
        using var guard = segment.Lock();
        return guard.Text.Length;
    }

    private sealed class ScratchSegmentNamed(string name) : IDisposable
    {
        public string Name { get; } = name;

        public void Dispose() => File.Delete("/dev/shm/" + Name);
    }
}
