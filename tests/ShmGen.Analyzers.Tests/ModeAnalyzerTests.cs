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
        VerifyMode.Diagnostic(DiagnosticDescriptors.WideMode).WithLocation(0).WithArguments("0666", "group and other"));

    [Fact]
    public Task SHM301_cast_constant_in_options_and_other_read_on_a_queue() => VerifyMode.AnalyzerAsync("""
        [SharedQueue("shm301-b", Mode = {|SHM301:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead|})]
        public partial struct Job { public long Id; }

        public static class Options
        {
            public static SegmentOptions Shared() => new SegmentOptions { Name = "x", Mode = {|SHM301:(UnixFileMode)438|} };

            public static SegmentOptions Group() => new() { Mode = {|SHM301:UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead|} };
        }
        """);

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
