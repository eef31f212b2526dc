using Microsoft.CodeAnalysis;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using ShmGen.CodeFixes;
using VerifyMode = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.ModeAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class ModeAnalyzerTests
{
    [Fact]
    public Task SHM301_classic_0666_on_the_attribute() => VerifyMode.AnalyzerAsync(
        """
        [SharedSegment("shm301-a", Mode = {|#0:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite|})]
        public partial struct Board { public long X; }
        """,
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(0).WithArguments("0666", "group and other", ModeAnalyzer.WritableConsequence));

    [Fact]
    public Task SHM301_cast_constant_and_group_write_in_options_are_warnings() => VerifyMode.AnalyzerAsync("""
        public static class Options
        {
            public static SegmentOptions Shared() => new SegmentOptions { Name = "x", Mode = {|#0:(UnixFileMode)438|} };

            public static SegmentOptions GroupWrite() => new() { Mode = {|#1:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite|} };

            public static SegmentOptions OtherExecute() => new() { Mode = {|#2:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherExecute|} };
        }
        """,
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(0).WithArguments("0666", "group and other", ModeAnalyzer.WritableConsequence),
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(1).WithArguments("0660", "group", ModeAnalyzer.WritableConsequence),
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(2).WithArguments("0605", "other", ModeAnalyzer.WritableConsequence));

    [Fact]
    public Task SHM301_read_bits_alone_are_info_because_reading_is_sharing_too() => VerifyMode.AnalyzerAsync("""
        [SharedQueue("shm301-b", Mode = {|#0:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead|})]
        public partial struct Job { public long Id; }

        [SharedSegment("shm301-c", Mode = {|#1:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead|})]
        public partial struct Board { public long X; }

        public static class Options
        {
            public static SegmentOptions Group() => new() { Mode = {|#2:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead|} };
        }
        """,
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(0).WithSeverity(DiagnosticSeverity.Info).WithArguments("0604", "other read", ModeAnalyzer.ReadOnlyConsequence),
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(1).WithSeverity(DiagnosticSeverity.Info).WithArguments("0644", "group and other read", ModeAnalyzer.ReadOnlyConsequence),
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(2).WithSeverity(DiagnosticSeverity.Info).WithArguments("0640", "group read", ModeAnalyzer.ReadOnlyConsequence));

    [Fact]
    public Task SHM301_near_miss_owner_only_modes() => VerifyMode.AnalyzerAsync("""
        [SharedSegment("shm301-ok-a", Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)]
        public partial struct A { public long X; }

        [SharedSegment("shm301-ok-b", Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)]
        public partial struct B { public long X; }

        [SharedSegment("shm301-ok-c")]
        public partial struct C { public long X; }
        """);

    [Fact]
    public Task SHM301_near_miss_mode_chosen_at_run_time_or_left_to_the_attribute() => VerifyMode.AnalyzerAsync("""
        public static class Options
        {
            public static SegmentOptions FromConfig(UnixFileMode configured) => new SegmentOptions { Mode = configured };

            public static SegmentOptions Default() => new SegmentOptions { Mode = null };

            public static System.IO.FileStreamOptions File() => new() { UnixCreateMode = (UnixFileMode)438 };
        }
        """);

    [Fact]
    public Task SHM301_fix_restores_owner_only_mode_on_the_attribute() => VerifyMode.CodeFixAsync<ModeCodeFixProvider>(
        """
        [SharedSegment("shm301-fix-a", Mode = {|SHM301:(UnixFileMode)438|})]
        public partial struct Board { public long X; }
        """,
        """
        [SharedSegment("shm301-fix-a", Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)]
        public partial struct Board { public long X; }
        """);

    [Fact]
    public Task SHM301_fix_all_in_attribute_and_options() => VerifyMode.CodeFixAsync<ModeCodeFixProvider>(
        """
        [SharedQueue("shm301-fix-b", Mode = {|SHM301:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead|})]
        public partial struct Job { public long Id; }

        public static class Options
        {
            public static SegmentOptions Shared() => new SegmentOptions
            {
                Name = "x",
                Mode = {|SHM301:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite|},
            };
        }
        """,
        """
        [SharedQueue("shm301-fix-b", Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)]
        public partial struct Job { public long Id; }

        public static class Options
        {
            public static SegmentOptions Shared() => new SegmentOptions
            {
                Name = "x",
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
        }
        """);
}
