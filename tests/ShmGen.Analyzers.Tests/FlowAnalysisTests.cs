using System.Threading.Tasks;
using VerifyLifetime = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.LifetimeAnalyzer>;
using VerifyLock = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.LockDisciplineAnalyzer>;

namespace ShmGen.Analyzers.Tests;

/// <summary>
/// The classes of mistakes issue 14 found the textual rules missing, written as a user would, each beside the
/// near-misses that must stay silent. All of them go through the one flow analysis (Flow/ResourceFlowAnalysis.cs).
/// </summary>
public class FlowAnalysisTests
{
    private const string Rates = """
        public struct Window
        {
            public long Hits;
            public long Last;

            public void Hit(long now)
            {
                Hits++;
                Last = now;
            }

            public long Total() => Hits + Last;

            public readonly long Peek() => Hits;
        }

        [System.Runtime.CompilerServices.InlineArray(8)]
        public struct Eight
        {
            private long _element;
        }

        [SharedSegment("rates")]
        public unsafe partial struct Rates
        {
            public long Count;
            public Window Window;
            public Eight Samples;
            public fixed byte Tag[16];
        }

        """;

    private const string Counter = """
        [SharedSegment("counter")]
        public partial struct Counter
        {
            public long Value;
        }

        """;

    // ---- SHM201: writes that never spell segment.Data.X = ... ----

    [Fact]
    public Task SHM201_writes_through_a_ref_local_a_helper_a_mutating_method_a_span_and_a_pointer() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Writer
        {
            public static ref Rates Counters(RatesSegment segment) => ref segment.Data;

            public static unsafe void Run(RatesSegment segment, long now)
            {
                ref var data = ref segment.Data;
                {|SHM201:data.Count = 1|};
                ref var window = ref data.Window;
                {|SHM201:window.Hits += 2|};
                {|SHM201:Counters(segment).Count++|};
                {|SHM201:segment.Data.Window.Hit(now)|};
                Span<long> samples = segment.Data.Samples;
                {|SHM201:samples[0] = 3|};
                {|SHM201:samples.Fill(4)|};
                fixed (byte* tag = segment.Data.Tag)
                {
                    {|SHM201:tag[0] = 5|};
                }
            }
        }
        """);

    [Fact]
    public Task SHM201_near_miss_the_same_writes_under_the_lock_and_reads_through_the_same_paths() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Writer
        {
            public static ref Rates Counters(RatesSegment segment) => ref segment.Data;

            public static unsafe long Run(RatesSegment segment, long now, bool flag)
            {
                using (var guard = segment.Lock())
                {
                    ref var data = ref segment.Data;
                    data.Count = 1;
                    Counters(segment).Count++;
                    segment.Data.Window.Hit(now);
                    Span<long> samples = segment.Data.Samples;
                    samples[0] = 3;
                    if (flag)
                    {
                        for (var i = 1; i < 8; i++)
                        {
                            samples[i] = i;
                        }
                    }

                    try
                    {
                        segment.Data.Count++;
                    }
                    finally
                    {
                        segment.Data.Window.Last = now;
                    }
                }

                ref readonly var view = ref segment.Data;
                var copy = segment.Data.Window;
                copy.Hit(now);
                return view.Count + segment.Data.Window.Total() + segment.Data.Window.Peek() + segment.Data.Samples[2] + copy.Hits;
            }
        }
        """);

    [Fact]
    public Task SHM201_writes_in_a_lambda_or_local_function_that_runs_later_in_the_failure_branch_and_after_dispose() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Writer
        {
            public static Timer Later(RatesSegment segment)
            {
                using (var guard = segment.Lock())
                {
                    guard.Count = 1;
                    void Tick() => {|SHM201:segment.Data.Window.Hits = 2|};
                    Tick();
                    return new Timer(_ => {|SHM201:segment.Data.Count++|}, null, 1000, 1000);
                }
            }

            public static void Failure(RatesSegment segment)
            {
                if (segment.TryLock(TimeSpan.FromMilliseconds(10), out var guard))
                {
                    using (guard)
                    {
                        segment.Data.Count = 1;
                    }
                }
                else
                {
                    {|SHM201:segment.Data.Count = 2|};
                }

                if (!segment.TryLock(TimeSpan.Zero, out var again))
                {
                    {|SHM201:segment.Data.Count = 3|};
                    return;
                }

                using (again)
                {
                    segment.Data.Count = 4;
                }
            }

            public static void AfterDispose(RatesSegment segment)
            {
                var guard = segment.Lock();
                segment.Data.Count = 1;
                guard.Dispose();
                {|SHM201:segment.Data.Count = 2|};
            }
        }
        """);

    [Fact]
    public Task SHM201_near_miss_a_lambda_that_takes_its_own_lock() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Writer
        {
            public static Timer Later(RatesSegment segment) => new(_ =>
            {
                using var guard = segment.Lock();
                segment.Data.Count++;
                guard.Window.Hit(1);
            }, null, 1000, 1000);
        }
        """);

    // ---- SHM202: guards not disposed on every path ----

    [Fact]
    public Task SHM202_early_return_ignored_try_lock_result_reassigned_variable_and_in_parameter() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Locker
        {
            public static int EarlyReturn(RatesSegment segment, bool skip)
            {
                var guard = {|SHM202:segment.Lock()|};
                if (skip)
                {
                    return 0;
                }

                guard.Dispose();
                return 1;
            }

            public static void ResultIgnored(RatesSegment segment)
            {
                var taken = segment.TryLock(TimeSpan.Zero, {|SHM202:out var guard|});
                guard.Count = 1;
            }

            public static void Reassigned(RatesSegment segment)
            {
                var guard = segment.Lock();
                guard.Count = 1;
                guard.Dispose();
                guard = {|SHM202:segment.Lock()|};
                guard.Count = 2;
            }

            public static void PassedIn(RatesSegment segment)
            {
                var guard = {|SHM202:segment.Lock()|};
                Show(in guard);
            }

            public static void InALoop(RatesSegment segment)
            {
                for (var i = 0; i < 3; i++)
                {
                    var guard = {|SHM202:segment.Lock()|};
                    guard.Count = i;
                }
            }

            private static void Show(in RatesSegment.Guard guard) { }
        }
        """);

    [Fact]
    public Task SHM202_near_miss_disposed_on_every_path_returned_and_tested_try_lock() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Locker
        {
            public static RatesSegment.Guard Take(RatesSegment segment, bool wait)
            {
                var guard = segment.Lock();
                return guard;
            }

            public static int EarlyReturn(RatesSegment segment, bool skip)
            {
                var guard = segment.Lock();
                try
                {
                    if (skip)
                    {
                        return 0;
                    }

                    guard.Count = 1;
                    return 1;
                }
                finally
                {
                    guard.Dispose();
                }
            }

            public static bool Tested(RatesSegment segment)
            {
                var taken = segment.TryLock(TimeSpan.Zero, out var guard);
                if (!taken)
                {
                    return false;
                }

                using (guard)
                {
                    guard.Count = 2;
                }

                return true;
            }

            public static void Loop(RatesSegment segment)
            {
                for (var i = 0; i < 3; i++)
                {
                    using var guard = segment.Lock();
                    guard.Count = i;
                    if (i == 1)
                    {
                        continue;
                    }

                    guard.Window.Hit(i);
                }

                RatesSegment.Guard polled;
                while (!segment.TryLock(TimeSpan.FromMilliseconds(1), out polled))
                {
                }

                polled.Dispose();

                segment.Lock().Dispose();
            }
        }
        """);

    // ---- SHM204: use after Dispose ----

    [Fact]
    public Task SHM204_guard_and_refs_through_it_used_after_dispose() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Late
        {
            public static void Run(RatesSegment segment, bool early)
            {
                var guard = segment.Lock();
                ref var count = ref guard.Count;
                Span<byte> tag = guard.Tag;
                count = 1;
                guard.Dispose();
                {|SHM204:guard|}.Count = 2;
                {|SHM204:count|} = 3;
                {|SHM204:tag|}[0] = 4;
            }

            public static void OnOnePath(RatesSegment segment, bool early)
            {
                var guard = segment.Lock();
                if (early)
                {
                    guard.Dispose();
                }

                {|SHM204:guard|}.Count = 5;
                guard.Dispose();
            }
        }
        """);

    [Fact]
    public Task SHM204_near_miss_values_copied_before_dispose_and_a_new_guard() => VerifyLock.AnalyzerAsync(Rates + """
        public static class Fine
        {
            public static long Run(RatesSegment segment)
            {
                var guard = segment.Lock();
                var copy = guard.Count;
                guard.Dispose();
                guard.Dispose();
                guard = segment.Lock();
                guard.Count = copy + 1;
                guard.Dispose();
                return copy;
            }
        }
        """);

    // ---- SHM203: refs stored where they outlive the guard ----

    [Fact]
    public Task SHM203_ref_field_of_a_ref_struct_and_a_span_of_an_outer_scope() => VerifyLock.AnalyzerAsync(Rates + """
        public ref struct View
        {
            public ref long Count;
            public Span<byte> Tag;
        }

        public static class Escapes
        {
            public static void Run(RatesSegment segment)
            {
                var view = new View();
                Span<byte> tag = default;
                using (var guard = segment.Lock())
                {
                    view.Count = ref {|SHM203:guard.Count|};
                    view.Tag = {|SHM203:guard.Tag|};
                    tag = {|SHM203:guard.Tag|};
                }

                {|SHM204:tag|}[0] = 1;
            }

            public static void Inside(RatesSegment segment)
            {
                using var guard = segment.Lock();
                var view = new View();
                view.Count = ref guard.Count;
                Span<byte> tag = guard.Tag;
                tag[0] = 2;
            }
        }
        """);

    // ---- SHM101 / SHM102 ----

    [Fact]
    public Task SHM101_options_in_a_field_computed_names_another_names_unlink_and_a_loop() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Creator
        {
            private static readonly SegmentOptions s_options = new() { Name = "held-in-a-field" };

            public static void FieldOptions()
            {
                using var segment = {|SHM101:CounterSegment.Create(s_options)|};
            }

            public static void ComputedName()
            {
                using var segment = {|SHM101:CounterSegment.Create(new SegmentOptions { Name = $"counter-{Environment.ProcessId}" })|};
            }

            public static void UnlinksAnotherName()
            {
                using var segment = {|SHM101:CounterSegment.Create(new SegmentOptions { Name = "mine" })|};
                CounterSegment.TryUnlink(new SegmentOptions { Name = "someone-elses" });
            }

            public static void InALoop()
            {
                for (var i = 0; i < 4; i++)
                {
                    using var segment = {|SHM101:CounterSegment.Create(new SegmentOptions { Name = "worker-" + i })|};
                }
            }
        }
        """);

    [Fact]
    public Task SHM101_near_miss_stated_intent_same_name_removed_and_unlink_on_one_path() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Creator
        {
            private static readonly SegmentOptions s_exits = new() { Name = "exits", UnlinkOnExit = true };

            public static void Intent(bool keep)
            {
                using var a = CounterSegment.Create(new SegmentOptions { Name = "exits-too", UnlinkOnExit = true });
                using var b = CounterSegment.OpenOrCreate(s_exits);
                using var c = CounterSegment.Create(new SegmentOptions { Name = "cleaned" });
                CounterSegment.TryUnlink(new SegmentOptions { Name = "cleaned" });
                var name = $"computed-{Environment.ProcessId}";
                using var d = CounterSegment.Create(new SegmentOptions { Name = name });
                CounterSegment.TryUnlink(new SegmentOptions { Name = name });
                using var e = CounterSegment.Create();
                if (!keep)
                {
                    e.Unlink();
                }
            }

            public static void Workers()
            {
                for (var i = 0; i < 4; i++)
                {
                    using var worker = CounterSegment.Create(new SegmentOptions { Name = "worker-" + i });
                    try
                    {
                        worker.Lock().Dispose();
                    }
                    finally
                    {
                        worker.Unlink();
                    }
                }
            }
        }
        """);

    [Fact]
    public Task SHM102_early_return_retried_open_and_reopened_in_a_loop() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Opener
        {
            public static long EarlyReturn(bool skip)
            {
                var segment = {|SHM102:CounterSegment.Open()|};
                if (skip)
                {
                    return 0;
                }

                segment.Dispose();
                return 1;
            }

            public static long Retry()
            {
                while (true)
                {
                    try
                    {
                        var segment = {|SHM102:CounterSegment.Open()|};
                        using var guard = segment.Lock();
                        return guard.Value;
                    }
                    catch (SegmentNotFoundException)
                    {
                        Thread.Sleep(10);
                    }
                }
            }

            public static void Poll(int rounds)
            {
                CounterSegment? segment = null;
                for (var i = 0; i < rounds; i++)
                {
                    segment = {|SHM102:CounterSegment.Open()|};
                }

                segment?.Dispose();
            }
        }
        """);

    [Fact]
    public Task SHM102_near_miss_retry_until_opened_then_disposed_and_a_disposable_owner() => VerifyLifetime.AnalyzerAsync(Counter + """
        public sealed class Watcher : IDisposable
        {
            private readonly CounterSegment _segment;

            public Watcher() => _segment = Attach();

            private static CounterSegment Attach()
            {
                while (true)
                {
                    try
                    {
                        return CounterSegment.Open();
                    }
                    catch (SegmentNotFoundException)
                    {
                        Thread.Sleep(10);
                    }
                }
            }

            public static long Once()
            {
                CounterSegment? segment = null;
                try
                {
                    segment = CounterSegment.Open();
                    using var guard = segment.Lock();
                    return guard.Value;
                }
                finally
                {
                    segment?.Dispose();
                }
            }

            public void Dispose() => _segment.Dispose();
        }
        """);

    /// <summary>An exception while a finally runs is not a leak path: a using in a try with a filtered catch is clean.</summary>
    [Fact]
    public Task SHM102_near_miss_using_inside_a_try_with_a_filtered_catch_and_a_switch() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class P
        {
            public static int Run(string verb, SegmentOptions options)
            {
                try
                {
                    switch (verb)
                    {
                        case "write":
                        {
                            using var segment = CounterSegment.Open(options);
                            Console.WriteLine("written");
                            break;
                        }
                    }
                }
                catch (Exception exception) when (exception is TimeoutException)
                {
                    return 3;
                }

                return 0;
            }

            public static int Run2(string verb, SegmentOptions options)
            {
                switch (verb)
                {
                    case "write":
                    {
                        using var segment = CounterSegment.Open(options);
                        Console.WriteLine("written");
                        break;
                    }
                }

                return 0;
            }

            public static int Run3(string verb, SegmentOptions options)
            {
                try
                {
                    using var segment = CounterSegment.Open(options);
                    Console.WriteLine("written");
                }
                catch (Exception exception) when (exception is TimeoutException)
                {
                    return 3;
                }

                return 0;
            }
        }
        """);

    /// <summary>An exception between a creation and its hand-off reaches the catch: not a leak path (as in CA2000).</summary>
    [Fact]
    public Task SHM102_near_miss_handed_on_in_a_loop_inside_a_try_with_a_catch() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Mapper
        {
            public static int Run(string name)
            {
                var held = new System.Collections.Generic.List<CounterSegment>();
                try
                {
                    while (held.Count < 5000)
                    {
                        var segment = CounterSegment.Create(new SegmentOptions { Name = name + held.Count });
                        segment.Unlink();
                        held.Add(segment);
                    }

                    return 4;
                }
                catch (OutOfSharedMemoryException)
                {
                    return 0;
                }
            }
        }
        """);
}
