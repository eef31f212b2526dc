using System;
using System.IO;

namespace ShmGen.Interop.Tests;

/// <summary>gcc compiles every generated CHeader: its _Static_asserts on sizeof and offsetof prove C agrees with C#.</summary>
public sealed class CHeaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shmgen-cheader-").FullName;

    public static TheoryData<string, string> Headers => new()
    {
        { nameof(Reading), ReadingSegment.CHeader },
        { nameof(PackedFrame), PackedFrameSegment.CHeader },
        { nameof(Station), StationSegment.CHeader },
        { nameof(Word), WordSegment.CHeader },
        { nameof(Ledger), LedgerSegment.CHeader },
        { nameof(StandardOnly), StandardOnlySegment.CHeader },
    };

    [SkippableTheory]
    [MemberData(nameof(Headers))]
    public void The_generated_C_declaration_compiles_and_its_static_asserts_hold(string type, string header)
    {
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");

        var (exitCode, output) = NativePeers.CompileHeader(header, _directory);

        Assert.True(exitCode == 0, $"{type}:\n{header}\n{output}");
        Assert.Contains("_Static_assert(sizeof(struct " + type + ")", header, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misaligned_layout_is_declared_packed_and_a_natural_one_is_not()
    {
        Assert.Contains("__attribute__((packed))", PackedFrameSegment.CHeader, StringComparison.Ordinal);
        Assert.DoesNotContain("packed", StationSegment.CHeader, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_C_declaration_that_disagrees_fails_to_compile()
    {
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");

        // The same assertions against a struct whose field moved: the check has teeth.
        var tampered = ReadingSegment.CHeader.Replace("int32_t Count;", "int64_t Count;", StringComparison.Ordinal);
        var (exitCode, output) = NativePeers.CompileHeader(tampered, _directory);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("offset differs from C#", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
