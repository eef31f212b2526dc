using System.Threading.Tasks;
using ShmGen.Analyzers.Tests.Infrastructure;

namespace ShmGen.Analyzers.Tests;

public class SmokeTests
{
    [Fact]
    public Task Pointer_field_is_reported() => Verify<LayoutAnalyzer>.AnalyzerAsync("""
        [SharedSegment("smoke")]
        public unsafe partial struct Smoke
        {
            public int* {|SHM002:P|};
        }
        """);

    [Fact]
    public Task Write_outside_lock_is_reported() => Verify<LockDisciplineAnalyzer>.AnalyzerAsync("""
        [SharedSegment("smoke")]
        public partial struct Smoke
        {
            public ulong Value;
        }

        public static class Use
        {
            public static void Run(SmokeSegment seg)
            {
                {|SHM201:seg.Data.Value = 1|};
            }
        }
        """);
}
