using System.Threading.Tasks;
using ShmGen.CodeFixes;
using VerifyDeclaration = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.DeclarationAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class DeclarationAnalyzerTests
{
    // ---- SHM005: not partial ----

    [Fact]
    public Task SHM005_annotated_struct_not_partial() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment("shm005-a")]
        public struct {|SHM005:Counter|}
        {
            public long Value;
        }
        """);

    [Fact]
    public Task SHM005_containing_type_not_partial() => VerifyDeclaration.AnalyzerAsync(
        """
        public static class {|#1:Shared|}
        {
            [SharedQueue("shm005-b")]
            public partial struct {|#0:Job|}
            {
                public long Id;
            }
        }
        """,
        VerifyDeclaration.Diagnostic(DiagnosticDescriptors.NotPartial)
            .WithLocation(0)
            .WithLocation(1)
            .WithArguments("'Shared', which contains 'Job',"));

    [Fact]
    public Task SHM005_near_miss_partial_struct_in_partial_containing_types() => VerifyDeclaration.AnalyzerAsync("""
        public static partial class Outer
        {
            public partial class Middle
            {
                [SharedSegment("shm005-ok")]
                public readonly partial record struct Counter(long Value);
            }
        }
        """);

    [Fact]
    public Task SHM005_near_miss_unannotated_struct_need_not_be_partial() => VerifyDeclaration.AnalyzerAsync("""
        public static class Outer
        {
            public struct Plain { public long Value; }
        }
        """);

    [Fact]
    public Task SHM005_fix_adds_partial_after_the_other_modifiers() => VerifyDeclaration.CodeFixAsync<DeclarationCodeFixProvider>(
        """
        [SharedSegment("shm005-fix-a")]
        public struct {|SHM005:Counter|}
        {
            public long Value;
        }
        """,
        """
        [SharedSegment("shm005-fix-a")]
        public partial struct Counter
        {
            public long Value;
        }
        """);

    [Fact]
    public Task SHM005_fix_without_modifiers_keeps_the_indentation() => VerifyDeclaration.CodeFixAsync<DeclarationCodeFixProvider>(
        """
        namespace App
        {
            [SharedSegment("shm005-fix-b")]
            struct {|SHM005:Counter|}
            {
                public long Value;
            }
        }
        """,
        """
        namespace App
        {
            [SharedSegment("shm005-fix-b")]
            partial struct Counter
            {
                public long Value;
            }
        }
        """);

    [Fact]
    public Task SHM005_fix_all_makes_shared_containing_types_partial_once() => VerifyDeclaration.CodeFixAsync<DeclarationCodeFixProvider>(
        """
        public static class Shared
        {
            internal sealed class Nested
            {
                [SharedSegment("shm005-fix-c")]
                public struct {|SHM005:First|} { public long A; }

                [SharedSegment("shm005-fix-d")]
                public partial struct {|SHM005:Second|} { public long B; }
            }
        }
        """,
        """
        public static partial class Shared
        {
            internal sealed partial class Nested
            {
                [SharedSegment("shm005-fix-c")]
                public partial struct First { public long A; }

                [SharedSegment("shm005-fix-d")]
                public partial struct Second { public long B; }
            }
        }
        """);

    // ---- SHM007: duplicate segment names ----

    [Fact]
    public Task SHM007_two_segments_with_the_same_name() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment({|SHM007:"state"|})]
        public partial struct First { public long A; }

        [SharedSegment({|SHM007:"state"|})]
        public partial struct Second { public int B; }
        """);

    [Fact]
    public Task SHM007_a_segment_and_a_queue_in_different_files() => VerifyDeclaration.AnalyzerAsync(
        [
            """
            [SharedSegment({|SHM007:"jobs"|})]
            public partial struct Board { public long Count; }
            """,
            """
            namespace Other
            {
                [SharedQueue({|SHM007:"jobs"|}, Capacity = 16)]
                public partial struct Job { public long Id; }
            }
            """,
        ]);

    [Fact]
    public Task SHM007_near_miss_names_that_differ_only_in_case_are_different_files() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment("Jobs")]
        public partial struct Upper { public long A; }

        [SharedSegment("jobs")]
        public partial struct Lower { public long A; }
        """);

    [Fact]
    public Task SHM007_near_miss_same_type_opened_under_another_name_at_run_time() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment("state")]
        public partial struct State { public long A; }

        [SharedSegment("state-2")]
        public partial struct Other { public long A; }

        public static class Use
        {
            public static SegmentOptions Options() => new SegmentOptions { Name = "state-2" };
        }
        """);

    // ---- SHM009: queue capacity ----

    [Fact]
    public Task SHM009_capacity_not_a_power_of_two() => VerifyDeclaration.AnalyzerAsync("""
        [SharedQueue("shm009-a", Capacity = {|SHM009:1000|})]
        public partial struct Job { public long Id; }
        """);

    [Fact]
    public Task SHM009_capacity_out_of_range() => VerifyDeclaration.AnalyzerAsync("""
        [SharedQueue("shm009-b", Capacity = {|SHM009:1|})]
        public partial struct Tiny { public long Id; }

        [SharedQueue("shm009-c", Capacity = {|SHM009:1 << 25|})]
        public partial struct Huge { public long Id; }
        """);

    [Fact]
    public Task SHM009_and_the_declaration_rules_cover_topics() => VerifyDeclaration.AnalyzerAsync("""
        [SharedTopic("shm009-topic", Capacity = {|SHM009:100|})]
        public partial struct Tick { public long Id; }

        [SharedTopic("shm009-topic-ok", Capacity = 256)]
        public struct {|SHM005:Quote|} { public long Id; }
        """);

    [Fact]
    public Task SHM009_near_miss_bounds_and_default_capacity() => VerifyDeclaration.AnalyzerAsync("""
        [SharedQueue("shm009-ok-a", Capacity = 2)]
        public partial struct Smallest { public long Id; }

        [SharedQueue("shm009-ok-b", Capacity = 1 << 24)]
        public partial struct Largest { public long Id; }

        [SharedQueue("shm009-ok-c")]
        public partial struct Default { public long Id; }
        """);

    [Fact]
    public Task SHM009_near_miss_capacity_like_constant_on_a_segment_field() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment("shm009-ok-d")]
        public partial struct Ring
        {
            public const int Capacity = 1000;
            public long Head;
        }
        """);

    // ---- SHM010: field name clashes with a Guard member ----

    [Fact]
    public Task SHM010_field_named_data() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment("shm010-a")]
        public partial struct Packet
        {
            public int Length;
            public long {|SHM010:Data|};
        }
        """);

    [Fact]
    public Task SHM010_fields_named_was_abandoned_and_dispose() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment("shm010-b")]
        public partial struct Session
        {
            internal byte {|SHM010:WasAbandoned|};
            public int {|SHM010:Dispose|};
        }
        """);

    [Fact]
    public Task SHM010_near_miss_private_field_and_auto_property_get_no_accessor() => VerifyDeclaration.AnalyzerAsync("""
        [SharedSegment("shm010-ok")]
        public partial struct Packet
        {
            private long Data;
            public int WasAbandoned { get; set; }
            public long Payload;
            public long Peek() => Data;
        }
        """);

    [Fact]
    public Task SHM010_near_miss_queue_items_have_no_guard() => VerifyDeclaration.AnalyzerAsync("""
        [SharedQueue("shm010-ok-q")]
        public partial struct Frame
        {
            public long Data;
            public int Dispose;
        }
        """);
}
