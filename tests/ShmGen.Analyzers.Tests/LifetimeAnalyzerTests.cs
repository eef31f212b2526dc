using System.Threading.Tasks;
using VerifyLifetime = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.LifetimeAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class LifetimeAnalyzerTests
{
    private const string Counter = """
        [SharedSegment("counter")]
        public partial struct Counter
        {
            public long Value;
        }

        """;

    /// <summary>The shape of the generated queue class (issue 2), marked the way generated types are.</summary>
    private const string JobQueue = """
        public partial struct Job
        {
            public long Id;
        }

        [System.CodeDom.Compiler.GeneratedCode("ShmGen", "0.1.0")]
        public sealed partial class JobQueue : IDisposable
        {
            private JobQueue() { }
            public static JobQueue Create(SegmentOptions? options = null) => new();
            public static JobQueue Open(SegmentOptions? options = null) => new();
            public static JobQueue OpenOrCreate(SegmentOptions? options = null) => new();
            public static bool TryUnlink(SegmentOptions? options = null) => true;
            public void Enqueue(in Job item) { }
            public void Unlink() { }
            public void Dispose() { }
        }

        """;

    // ---- SHM101: created, never unlinked ----

    [Fact]
    public Task SHM101_disposed_but_never_unlinked() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Producer
        {
            public static void Run()
            {
                using var segment = {|SHM101:CounterSegment.Create(new SegmentOptions { Name = "counter-1" })|};
                using var guard = segment.Lock();
                guard.Value++;
            }
        }
        """);

    [Fact]
    public Task SHM101_open_or_create_in_a_using_statement_and_a_queue() => VerifyLifetime.AnalyzerAsync(Counter + JobQueue + """
        public static class Producer
        {
            public static void Run()
            {
                using (var segment = {|SHM101:CounterSegment.OpenOrCreate()|})
                {
                    using var guard = segment.Lock();
                    guard.Value++;
                }

                using var jobs = {|SHM101:JobQueue.Create()|};
                jobs.Enqueue(new Job { Id = 1 });
            }
        }
        """);

    [Fact]
    public Task SHM101_and_SHM102_for_a_discarded_creation() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Setup
        {
            public static void Run()
            {
                {|SHM101:{|SHM102:CounterSegment.Create()|}|};
            }
        }
        """);

    [Fact]
    public Task SHM101_near_miss_unlinked_in_finally_or_returned_or_stored() => VerifyLifetime.AnalyzerAsync(Counter + """
        public sealed class Owner : IDisposable
        {
            private readonly CounterSegment _segment = CounterSegment.Create();

            public static CounterSegment Make(string name) => CounterSegment.Create(new SegmentOptions { Name = name });

            public static void Run()
            {
                var segment = CounterSegment.Create();
                try
                {
                    using var guard = segment.Lock();
                    guard.Value = 1;
                }
                finally
                {
                    segment.Unlink();
                    segment.Dispose();
                }
            }

            public void Dispose() => _segment.Dispose();
        }
        """);

    [Fact]
    public Task SHM101_near_miss_open_and_names_handed_to_cleanup() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Consumer
        {
            public static long Read()
            {
                using var segment = CounterSegment.Open();
                using var guard = segment.Lock();
                return guard.Value;
            }

            public static void WithCleanup(string name)
            {
                try
                {
                    using var segment = CounterSegment.Create(new SegmentOptions { Name = name });
                }
                finally
                {
                    CounterSegment.TryUnlink(new SegmentOptions { Name = name });
                }
            }

            public static void HandsNameToChild(string name)
            {
                using var segment = CounterSegment.OpenOrCreate(new SegmentOptions { Name = name });
                RunChild(name);
            }

            private static void RunChild(string name) { }
        }
        """);

    [Fact]
    public Task SHM101_near_miss_names_owned_by_a_scratch_helper_or_options_from_elsewhere() => VerifyLifetime.AnalyzerAsync(Counter + """
        public sealed class ScratchName : IDisposable
        {
            public SegmentOptions Options { get; } = new SegmentOptions { Name = "scratch-" + Guid.NewGuid().ToString("N") };
            public void Dispose() => CounterSegment.TryUnlink(Options);
        }

        public static class Tests
        {
            public static void UsesScratch()
            {
                using var scratch = new ScratchName();
                using var segment = CounterSegment.Create(scratch.Options);
            }

            public static void UsesGiven(SegmentOptions options)
            {
                using var segment = CounterSegment.OpenOrCreate(options);
            }
        }
        """);

    [Fact]
    public Task SHM101_options_built_in_a_local_with_a_constant_name() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Tests
        {
            public static void Run()
            {
                var options = new SegmentOptions { Name = "fixed-name", LockTimeout = TimeSpan.FromSeconds(1) };
                using var segment = {|SHM101:CounterSegment.Create(options)|};
            }
        }
        """);

    // ---- SHM102: never disposed ----

    [Fact]
    public Task SHM102_local_never_disposed() => VerifyLifetime.AnalyzerAsync(Counter + """
        public static class Consumer
        {
            public static long Read()
            {
                var segment = {|SHM102:CounterSegment.Open()|};
                using var guard = segment.Lock();
                return guard.Value;
            }
        }
        """);

    [Fact]
    public Task SHM102_temporary_used_and_dropped_and_queue_never_disposed() => VerifyLifetime.AnalyzerAsync(Counter + JobQueue + """
        public static class Consumer
        {
            public static string Peek() => {|SHM102:CounterSegment.Open()|}.Name;

            public static void Send()
            {
                var jobs = {|SHM102:JobQueue.Open()|};
                jobs.Enqueue(new Job { Id = 7 });
            }
        }
        """);

    [Fact]
    public Task SHM102_near_miss_using_forms_and_dispose_in_finally() => VerifyLifetime.AnalyzerAsync(Counter + JobQueue + """
        public static class Consumer
        {
            public static void Forms()
            {
                using var a = CounterSegment.Open();
                using (var b = CounterSegment.Open()) { }
                using (CounterSegment.Open()) { }

                var c = CounterSegment.Open();
                try { c.Lock().Dispose(); }
                finally { c.Dispose(); }

                CounterSegment? d = null;
                d = CounterSegment.Open();
                d?.Dispose();

                var jobs = JobQueue.Open();
                using (jobs) { jobs.Enqueue(default); }
            }
        }
        """);

    [Fact]
    public Task SHM102_near_miss_escapes_and_lookalike_types() => VerifyLifetime.AnalyzerAsync(Counter + """
        public sealed class FakeSegment : IDisposable
        {
            public static FakeSegment Open() => new();
            public void Dispose() { }
        }

        public sealed class Holder
        {
            private CounterSegment? _segment;

            public void Attach() => _segment = CounterSegment.Open();

            public static void Pass() => Keep(CounterSegment.Open());

            public static Func<string> Capture()
            {
                var segment = CounterSegment.Open();
                return () => segment.Name;
            }

            public static void Lookalike()
            {
                var fake = FakeSegment.Open();
            }

            private static void Keep(CounterSegment segment) { }
        }
        """);
}
