using System.Threading.Tasks;
using ShmGen.CodeFixes;
using VerifyLock = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.LockDisciplineAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class LockDisciplineCodeFixTests
{
    private const string Stats = LockDisciplineAnalyzerTests.Stats;

    // ---- SHM201: wrap in using (var g = segment.Lock()) and write through g ----

    [Fact]
    public Task SHM201_fix_wraps_the_write_and_uses_the_guard_accessor() => VerifyLock.CodeFixAsync<LockDisciplineCodeFixProvider>(
        Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment)
            {
                {|SHM201:segment.Data.Value = 1|};
            }
        }
        """,
        Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment)
            {
                using (var g = segment.Lock())
                {
                    g.Value = 1;
                }
            }
        }
        """);

    [Fact]
    public Task SHM201_fix_all_groups_adjacent_writes_and_falls_back_to_g_data() => VerifyLock.CodeFixAsync<LockDisciplineCodeFixProvider>(
        Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment)
            {
                {|SHM201:segment.Data.Value = 1|};
                {|SHM201:segment.Data.Window.High++|};
                Console.WriteLine("written");
                {|SHM201:segment.Data = default|};
            }
        }
        """,
        Stats + """
        public static class Writer
        {
            public static void Run(StatsSegment segment)
            {
                using (var g = segment.Lock())
                {
                    g.Value = 1;
                    g.Window.High++;
                }
                Console.WriteLine("written");
                using (var g = segment.Lock())
                {
                    g.Data = default;
                }
            }
        }
        """,
        incrementalIterations: 2);

    [Fact]
    public Task SHM201_fix_picks_a_free_guard_name_and_rewrites_reads_in_the_statement() => VerifyLock.CodeFixAsync<LockDisciplineCodeFixProvider>(
        Stats + """
        public sealed class Writer
        {
            private readonly StatsSegment _segment = StatsSegment.Open();

            public void Run(int g)
            {
                {|SHM201:_segment.Data.Count = _segment.Data.Count + g|};
            }
        }
        """,
        Stats + """
        public sealed class Writer
        {
            private readonly StatsSegment _segment = StatsSegment.Open();

            public void Run(int g)
            {
                using (var g2 = _segment.Lock())
                {
                    g2.Count = g2.Count + g;
                }
            }
        }
        """);

    // ---- SHM202: dispose the guard with using ----

    [Fact]
    public Task SHM202_fix_makes_the_local_a_using_declaration() => VerifyLock.CodeFixAsync<GuardDisposalCodeFixProvider>(
        Stats + """
        public static class Locker
        {
            public static long Run(StatsSegment segment)
            {
                var guard = {|SHM202:segment.Lock()|};
                guard.Value++;
                return guard.Value;
            }
        }
        """,
        Stats + """
        public static class Locker
        {
            public static long Run(StatsSegment segment)
            {
                using var guard = segment.Lock();
                guard.Value++;
                return guard.Value;
            }
        }
        """);

    [Fact]
    public Task SHM202_fix_all_turns_discarded_guards_into_using_declarations_with_distinct_names() => VerifyLock.CodeFixAsync<GuardDisposalCodeFixProvider>(
        Stats + """
        public static class Locker
        {
            public static void Run(StatsSegment segment, StatsSegment other)
            {
                {|SHM202:segment.Lock()|};
                _ = {|SHM202:other.Lock(TimeSpan.FromSeconds(1))|};
                Console.WriteLine("locked");
            }

            public static void Again(StatsSegment segment)
            {
                var guard = {|SHM202:segment.Lock()|};
                guard.Count = 1;
            }
        }
        """,
        Stats + """
        public static class Locker
        {
            public static void Run(StatsSegment segment, StatsSegment other)
            {
                using var guard = segment.Lock();
                using var guard2 = other.Lock(TimeSpan.FromSeconds(1));
                Console.WriteLine("locked");
            }

            public static void Again(StatsSegment segment)
            {
                using var guard = segment.Lock();
                guard.Count = 1;
            }
        }
        """);
}
