using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using VerifyName = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.SegmentNameAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class SegmentNameAnalyzerTests
{
    [Fact]
    public Task SHM006_leading_slash_empty_and_dot_dot_in_attributes() => VerifyName.AnalyzerAsync("""
        [SharedSegment({|SHM006:"/jobs"|})]
        public partial struct A { public long X; }

        [SharedSegment({|SHM006:""|})]
        public partial struct B { public long X; }

        [SharedQueue({|SHM006:".."|})]
        public partial struct C { public long X; }

        [SharedSegment({|SHM006:"with space"|})]
        public partial struct D { public long X; }
        """);

    [Fact]
    public Task SHM006_constant_name_in_segment_options() => VerifyName.AnalyzerAsync("""
        public static class Names
        {
            private const string Prefix = "app/";

            public static SegmentOptions Nested() => new SegmentOptions { Name = {|SHM006:Prefix + "state"|} };

            public static SegmentOptions Nul() => new() { Name = {|SHM006:"a\0b"|}, OpenTimeout = TimeSpan.FromSeconds(1) };
        }
        """);

    [Fact]
    public Task SHM006_over_250_characters_is_an_error() => VerifyName.AnalyzerAsync(
        $$"""
        [SharedSegment({|#0:"{{new string('x', 251)}}"|})]
        public partial struct Long { public long X; }
        """,
        VerifyName.Diagnostic("SHM006", DiagnosticSeverity.Error).WithLocation(0));

    [Fact]
    public Task SHM006_a_raw_name_over_246_characters_is_an_error_because_its_semaphore_file_would_not_fit() => VerifyName.AnalyzerAsync(
        $$"""
        [SharedSegment({|#0:"{{new string('x', 247)}}"|}, Format = SegmentFormat.Raw)]
        public partial struct RawTooLong { public long X; }

        [SharedSegment({|#1:"{{new string('y', 246)}}"|}, Format = SegmentFormat.Raw)]
        public partial struct RawLongest { public long X; }

        [SharedSegment({|#2:"{{new string('z', 247)}}"|})]
        public partial struct StandardLong { public long X; }
        """,
        VerifyName.Diagnostic(DiagnosticDescriptors.InvalidName)
            .WithLocation(0)
            .WithSeverity(DiagnosticSeverity.Error)
            .WithArguments(
                new string('x', 247),
                "the name is 247 characters long; a Raw-format segment allows at most 246, since its lock semaphore's file /dev/shm/sem.NAME.lock must fit the 255-character file name limit"),
        VerifyName.Diagnostic("SHM006", DiagnosticSeverity.Warning).WithLocation(1),
        VerifyName.Diagnostic("SHM006", DiagnosticSeverity.Warning).WithLocation(2));

    [Fact]
    public Task SHM006_over_31_characters_is_a_portability_warning() => VerifyName.AnalyzerAsync(
        """
        [SharedSegment({|#0:"a-name-that-is-longer-than-macos-allows"|})]
        public partial struct Long { public long X; }

        public static class Names
        {
            public static SegmentOptions Options() => new SegmentOptions { Name = {|#1:"another-name-that-is-too-long-for-macos"|} };
        }
        """,
        VerifyName.Diagnostic(DiagnosticDescriptors.InvalidName)
            .WithLocation(0)
            .WithSeverity(DiagnosticSeverity.Warning)
            .WithArguments("a-name-that-is-longer-than-macos-allows", "it is 39 characters long; Linux accepts it but macOS allows at most 31"),
        VerifyName.Diagnostic("SHM006", DiagnosticSeverity.Warning).WithLocation(1));

    [Fact]
    public Task SHM006_near_miss_valid_names_up_to_31_characters() => VerifyName.AnalyzerAsync("""
        [SharedSegment("sample")]
        public partial struct A { public long X; }

        [SharedQueue("my.app_v2-jobs")]
        public partial struct B { public long X; }

        [SharedSegment("exactly-thirty-one-characters-x")]
        public partial struct C { public long X; }
        """);

    [Fact]
    public Task SHM006_near_miss_names_computed_at_run_time_null_and_other_types() => VerifyName.AnalyzerAsync("""
        public sealed class Endpoint
        {
            public string? Name { get; init; }
        }

        public static class Names
        {
            public static SegmentOptions Unique(string prefix) => new SegmentOptions { Name = prefix + "/" + Guid.NewGuid() };

            public static SegmentOptions Default() => new SegmentOptions { Name = null };

            public static Endpoint Other() => new Endpoint { Name = "/not/a/segment" };
        }
        """);
}
