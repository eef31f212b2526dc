using System;
using System.IO;
using System.Linq;
using System.Threading;
using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>
/// Dispose while other threads use the handle: calls that start after it throw ObjectDisposedException, the mapping
/// goes only after the last running call and held Guard, and nothing ever touches unmapped memory.
/// </summary>
public sealed class HandleLifetimeTests
{
    [Fact]
    public void Dispose_while_a_thread_is_blocked_in_Lock_ends_that_wait_with_ObjectDisposedException()
    {
        using var scratch = new ScratchSegment();
        using var owner = CounterSegment.Create(scratch.Options);
        using var holder = Peer.Start("hold", scratch.Name);
        holder.WaitForLine("locked");

        var segment = CounterSegment.Open(scratch.Options);
        var blocked = Background.Start(() =>
        {
            using var guard = segment.Lock();
        });
        Thread.Sleep(100);
        segment.Dispose();

        var error = Assert.ThrowsAny<ObjectDisposedException>(blocked.Join);
        Assert.Contains(scratch.Name, error.Message, StringComparison.Ordinal);
        Assert.False(IsMapped(scratch.Name, exceptBy: owner));
    }

    [Fact]
    public void Dispose_while_threads_lock_in_a_loop_never_faults_and_unmaps_after_the_last_guard()
    {
        using var scratch = new ScratchSegment();
        using var owner = CounterSegment.Create(scratch.Options);
        for (var round = 0; round < 20; round++)
        {
            var segment = CounterSegment.Open(scratch.Options);
            var start = new Barrier(5);
            var lockers = Enumerable.Range(0, 4).Select(_ => Background.Start(() =>
            {
                start.SignalAndWait();
                try
                {
                    while (true)
                    {
                        using var guard = segment.Lock();
                        guard.Value++;
                        guard.Shadow = guard.Value;
                    }
                }
                catch (ObjectDisposedException)
                {
                }
            })).ToArray();
            start.SignalAndWait();
            Thread.Sleep(5);
            segment.Dispose();
            Array.ForEach(lockers, locker => locker.Join());
        }

        using var check = owner.Lock();
        Assert.Equal(check.Value, check.Shadow);
        Assert.True(check.Value > 0);
    }

    [Fact]
    public void Dispose_inside_a_guard_scope_keeps_the_mapping_until_the_guard_releases_the_lock()
    {
        using var scratch = new ScratchSegment();
        using var owner = CounterSegment.Create(scratch.Options);
        var segment = CounterSegment.Open(scratch.Options);
        using (var guard = segment.Lock())
        {
            segment.Dispose();
            guard.Value = 42; // still mapped: the guard holds a reference
            Assert.Throws<ObjectDisposedException>(() => segment.Data.Value);
        }

        // Released, and unmapped: another process can take the lock at once.
        using var reader = Peer.Start("read", scratch.Name);
        Assert.Equal("42", reader.NextLine());
        Assert.False(IsMapped(scratch.Name, exceptBy: owner));
    }

    [Fact]
    public void Two_threads_locking_through_one_handle_exclude_each_other_exactly()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
        const int PerThread = 20_000;
        var threads = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                using var guard = segment.Lock();
                var value = guard.Value;
                guard.Shadow = value; // a torn update between the two writes would be visible to the other thread
                guard.Value = value + 1;
            }
        })).ToArray();
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());

        using var check = segment.Lock();
        Assert.Equal(2 * PerThread, check.Value);

        // A second Lock on the thread that holds the lock is recursion, per thread, whatever the handle.
        using var other = CounterSegment.Open(scratch.Options);
        Assert.Throws<LockRecursionException>(() => other.Lock(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_write_through_a_released_guard_faults_instead_of_writing_without_the_lock()
    {
        using var scratch = new ScratchSegment();
        using var segment = CounterSegment.Create(scratch.Options);
#pragma warning disable SHM202, SHM204 // The point of the test: use after an explicit Dispose.
        var guard = segment.Lock();
        guard.Value = 1;
        guard.Dispose();
        try
        {
            guard.Value = 2;
            Assert.Fail("the write went through");
        }
        catch (NullReferenceException)
        {
        }
#pragma warning restore SHM202, SHM204

        Assert.Equal(1, segment.Data.Value);
    }

    [Fact]
    public void Queue_Dispose_while_another_thread_is_blocked_in_Dequeue_ends_it_with_ObjectDisposedException()
    {
        using var scratch = new ScratchSegment();
        var queue = ProbeQueue.Create(scratch.Options);
        try
        {
            var consumers = Enumerable.Range(0, 2).Select(_ => Background.Start(() => queue.Dequeue())).ToArray();
            var producer = Background.Start(() =>
            {
                try
                {
                    while (true)
                    {
                        queue.Enqueue(new Probe { Id = 1 });
                    }
                }
                catch (ObjectDisposedException)
                {
                }
            });
            Thread.Sleep(100);
            queue.Dispose();
            producer.Join();
            foreach (var consumer in consumers)
            {
                try
                {
                    consumer.Join();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            Assert.Throws<ObjectDisposedException>(() => queue.Count);
            Assert.False(IsMapped(scratch.Name, exceptBy: null));
        }
        finally
        {
            ProbeQueue.TryUnlink(scratch.Options);
        }
    }

    /// <summary>Whether this process still maps /dev/shm/NAME more times than <paramref name="exceptBy"/> accounts for.</summary>
    private static bool IsMapped(string name, object? exceptBy)
    {
        var mappings = File.ReadAllLines("/proc/self/maps").Count(line => line.EndsWith("/dev/shm/" + name, StringComparison.Ordinal));
        return mappings > (exceptBy is null ? 0 : 1);
    }

    /// <summary>A thread whose exception <see cref="Join"/> rethrows (tests block on it; no thread-pool tasks).</summary>
    private sealed class Background
    {
        private readonly Thread _thread;
        private Exception? _error;

        private Background(Action action)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    action();
                }
                catch (Exception error)
                {
                    _error = error;
                }
            });
            _thread.Start();
        }

        public static Background Start(Action action) => new(action);

        public static Background Start(Func<Probe> function) => new(() => function());

        public void Join()
        {
            Assert.True(_thread.Join(TimeSpan.FromSeconds(30)), "the thread did not finish: a hang");
            if (_error is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_error);
            }
        }
    }
}
