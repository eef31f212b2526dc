using System.Threading.Tasks;
using VerifyLock = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.LockDisciplineAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class LockDisciplineAnalyzerTests
{
    internal const string Stats = """
        public struct Window
        {
            public int Low;
            public int High;
        }

        [SharedSegment("stats")]
        public unsafe partial struct Stats
        {
            public long Value;
            public int Count;
            public int Flag;
            public Window Window;
            public fixed byte Tag[16];
        }

        """;

    // ---- SHM201: write outside a lock ----

    [Fact]
    public Task SHM201_assignment_compound_assignment_and_increments() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment)
            {
                {|SHM201:segment.Data.Value = 1|};
                {|SHM201:segment.Data.Value += 2|};
                {|SHM201:segment.Data.Count++|};
                {|SHM201:--segment.Data.Count|};
            }
        }
        """);

    [Fact]
    public Task SHM201_nested_field_whole_struct_ref_and_out_arguments_and_deconstruction() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Writer
        {
            private static StatsSegment s_segment = null!;

            public static void Run(string text)
            {
                {|SHM201:s_segment.Data.Window.High = 10|};
                {|SHM201:s_segment.Data = default|};
                Bump({|SHM201:ref s_segment.Data.Value|});
                int.TryParse(text, {|SHM201:out s_segment.Data.Count|});
                ({|SHM201:s_segment.Data.Window.Low|}, {|SHM201:s_segment.Data.Window.High|}) = (1, 2);
            }

            private static void Bump(ref long value) => value++;

            public static unsafe void Tag(StatsSegment segment) => {|SHM201:segment.Data.Tag[0] = 1|};
        }
        """);

    [Fact]
    public Task SHM201_inline_array_element() => VerifyLock.AnalyzerAsync("""
        [System.Runtime.CompilerServices.InlineArray(4)]
        public struct Four
        {
            private long _element;
        }

        [SharedSegment("slots")]
        public partial struct Slots
        {
            public Four Items;
        }

        public static class Writer
        {
            public static void Run(SlotsSegment segment)
            {
                {|SHM201:segment.Data.Items[2] = 7|};
                using var guard = segment.Lock();
                guard.Items[3] = 8;
            }
        }
        """);

    [Fact]
    public Task SHM201_write_after_the_lock_scope_before_the_lock_or_under_another_segments_lock() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment, StatsSegment other)
            {
                using (var guard = segment.Lock())
                {
                    guard.Value = 1;
                }

                {|SHM201:segment.Data.Value = 2|};

                {|SHM201:other.Data.Count = 3|};
                using var late = other.Lock();

                using var wrong = other.Lock();
                {|SHM201:segment.Data.Flag = 4|};
            }
        }
        """);

    [Fact]
    public Task SHM201_near_miss_interlocked_and_volatile_are_atomic() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment)
            {
                Interlocked.Increment(ref segment.Data.Value);
                Interlocked.CompareExchange(ref segment.Data.Count, 1, 0);
                Volatile.Write(ref segment.Data.Flag, 1);
            }
        }
        """);

    [Fact]
    public Task SHM201_near_miss_reads_and_in_arguments() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Reader
        {
            public static long Run(StatsSegment segment)
            {
                var value = segment.Data.Value;
                Console.WriteLine(segment.Data.Count);
                var copy = segment.Data;
                copy.Value = 42;
                return value + Sum(in segment.Data.Window) + Volatile.Read(ref segment.Data.Value);
            }

            private static int Sum(in Window window) => window.Low + window.High;
        }
        """);

    [Fact]
    public Task SHM201_near_miss_writes_under_a_held_guard() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment)
            {
                using (var guard = segment.Lock())
                {
                    guard.Value = 1;
                    guard.Data.Window.High = 2;
                    segment.Data.Count = 3;
                }

                if (segment.TryLock(TimeSpan.FromSeconds(1), out var held))
                {
                    using (held)
                    {
                        segment.Data.Flag++;
                    }
                }

                using var scoped = segment.Lock(TimeSpan.FromSeconds(1));
                segment.Data.Value += 5;
            }
        }
        """);

    [Fact]
    public Task SHM201_near_miss_data_property_of_an_ordinary_type() => VerifyLock.AnalyzerAsync("""
        public struct Payload { public long Value; }

        public sealed class Buffer
        {
            private Payload _payload;
            public ref Payload Data => ref _payload;
        }

        public static class Writer
        {
            public static void Run(Buffer buffer) => buffer.Data.Value = 1;
        }
        """);

    // ---- SHM202: guard discarded or never disposed ----

    [Fact]
    public Task SHM202_discarded_guards() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Locker
        {
            public static void Run(StatsSegment segment)
            {
                {|SHM202:segment.Lock()|};
                _ = {|SHM202:segment.Lock(TimeSpan.FromSeconds(1))|};
                {|SHM202:segment.Lock()|}.Value = 5;
                segment.TryLock(TimeSpan.Zero, {|SHM202:out _|});
            }
        }
        """);

    [Fact]
    public Task SHM202_guards_in_locals_never_disposed() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Locker
        {
            public static long Run(StatsSegment segment)
            {
                var guard = {|SHM202:segment.Lock()|};
                guard.Value = 1;
                if (segment.TryLock(TimeSpan.FromSeconds(1), {|SHM202:out var other|}))
                {
                    other.Count = 2;
                }

                if (!segment.TryLock(TimeSpan.Zero, {|SHM202:out _|}))
                {
                    return 0;
                }

                return guard.Value;
            }
        }
        """);

    [Fact]
    public Task SHM202_near_miss_using_forms_and_dispose_in_finally() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Locker
        {
            public static void Run(StatsSegment segment)
            {
                using (segment.Lock()) { }
                using (var a = segment.Lock()) { a.Value = 1; }
                using var b = segment.Lock(TimeSpan.FromSeconds(1));

                var c = segment.Lock();
                try { c.Value = 2; }
                finally { c.Dispose(); }

                if (segment.TryLock(TimeSpan.Zero, out var d))
                {
                    using (d) { d.Count = 3; }
                }

                segment.Lock().Dispose();
            }
        }
        """);

    [Fact]
    public Task SHM202_near_miss_guards_handed_on_and_other_lock_methods() => VerifyLock.AnalyzerAsync(Stats + """
        public sealed class Gate : IDisposable
        {
            public IDisposable Lock() => this;
            public void Dispose() { }
        }

        public static class Locker
        {
            public static StatsSegment.Guard Take(StatsSegment segment) => segment.Lock();

            public static void Handed(StatsSegment segment)
            {
                var guard = segment.Lock();
                Release(ref guard);
            }

            public static void Other(Gate gate) => gate.Lock();

            private static void Release(ref StatsSegment.Guard guard) => guard.Dispose();
        }
        """);

    [Fact]
    public Task SHM202_near_miss_lock_expected_to_fail_in_assertions() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Expect
        {
            public static T Throws<T>(Action action) where T : Exception => throw new InvalidOperationException();
            public static void False(bool condition) { }
        }

        public static class LockTests
        {
            public static void HeldElsewhere(StatsSegment segment)
            {
                Expect.Throws<TimeoutException>(() => segment.Lock(TimeSpan.FromMilliseconds(50)));
                Expect.False(segment.TryLock(TimeSpan.Zero, out _));
                Expect.False(segment.TryLock(TimeSpan.Zero, out var unused));
            }
        }
        """);

    // ---- SHM203: a ref from a guard escapes the guard ----

    [Fact]
    public Task SHM203_ref_returned_from_a_local_guard() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Escapes
        {
            public static ref long Value(StatsSegment segment)
            {
                using var guard = segment.Lock();
                return ref {|SHM203:guard.Value|};
            }

            public static ref int High(StatsSegment segment)
            {
                using var guard = segment.Lock();
                return ref {|SHM203:guard.Data.Window.High|};
            }

            public static Span<byte> Tag(StatsSegment segment)
            {
                using var guard = segment.Lock();
                return {|SHM203:guard.Tag|};
            }
        }
        """);

    [Fact]
    public Task SHM203_ref_local_of_an_outer_scope_reassigned_into_the_guard() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Escapes
        {
            public static void Run(StatsSegment segment)
            {
                long scratch = 0;
                ref long value = ref scratch;
                using (var guard = segment.Lock())
                {
                    value = ref {|SHM203:guard.Value|};
                }

                {|SHM204:value|} = 5;
            }
        }
        """);

    [Fact]
    public Task SHM203_near_miss_guard_parameter_and_values_copied_out() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Fine
        {
            public static ref long Value(ref StatsSegment.Guard guard) => ref guard.Value;

            public static long Copy(StatsSegment segment)
            {
                using var guard = segment.Lock();
                return guard.Value;
            }

            public static byte[] TagCopy(StatsSegment segment)
            {
                using var guard = segment.Lock();
                return guard.Tag.ToArray();
            }
        }
        """);

    [Fact]
    public Task SHM203_near_miss_ref_locals_inside_the_guard_scope() => VerifyLock.AnalyzerAsync(Stats + """
        public static class Fine
        {
            public static void Run(StatsSegment segment)
            {
                using var guard = segment.Lock();
                ref long value = ref guard.Value;
                value++;
                ref int high = ref guard.Data.Window.High;
                high = ref guard.Data.Window.Low;
                high = 3;
            }
        }
        """);
}
