using System;
using System.IO;
using System.Runtime.CompilerServices;

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
        { nameof(Spectrum), SpectrumSegment.CHeader },
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

    [SkippableFact]
    public void An_inline_array_of_scalars_is_a_C_array_of_the_element_type_with_the_CSharp_size()
    {
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");

        // The expectations come from the CLR, not from the header: sizeof of each member, not only of the struct (an
        // inline array once came out as one byte plus padding, and every offset still agreed).
        var spectrum = default(Spectrum);
        var samples = Unsafe.SizeOf<SixteenDoubles>();
        var phases = Unsafe.SizeOf<ThreePhases>();
        var sensor = Unsafe.SizeOf<Sensor>();
        var source = $$"""
            #include "layout.h"
            #define MEMBER(m) (((struct Spectrum *)0)->m)
            _Static_assert(sizeof(MEMBER(Samples)) == {{samples}}, "Samples: sizeof differs from C#");
            _Static_assert(_Generic(MEMBER(Samples)[0], double: 1, default: 0), "Samples: not an array of double");
            _Static_assert(sizeof(MEMBER(Samples)) / sizeof(MEMBER(Samples)[0]) == 16, "Samples: not 16 elements");
            _Static_assert(offsetof(struct Spectrum, Samples) == {{ByteOffset(ref spectrum, ref spectrum.Samples[0])}}, "Samples: offset");
            _Static_assert(sizeof(MEMBER(Phases)) == {{phases}}, "Phases: sizeof differs from C#");
            _Static_assert(_Generic(MEMBER(Phases)[0], uint16_t: 1, default: 0), "Phases: not an array of uint16_t");
            _Static_assert(offsetof(struct Spectrum, Sensors_2_Gain) == {{ByteOffset(ref spectrum, ref spectrum.Sensors[2].Gain)}}, "Sensors[2].Gain: offset");
            _Static_assert(sizeof(MEMBER(Sensors_2_Gain)) == sizeof(double), "Sensors[2].Gain: size");
            _Static_assert(sizeof(struct Spectrum) == {{Unsafe.SizeOf<Spectrum>()}}, "Spectrum: size");
            _Static_assert({{sensor}} == offsetof(struct Spectrum, Sensors_1_Id) - offsetof(struct Spectrum, Sensors_0_Id), "Sensors: stride");
            int main(void) { return 0; }
            """;

        var (exitCode, output, _) = NativePeers.CompileProgram(SpectrumSegment.CHeader, source, _directory);

        Assert.True(exitCode == 0, $"{SpectrumSegment.CHeader}\n{output}");
    }

    [SkippableFact]
    public void A_C_program_reads_the_inline_arrays_CSharp_wrote()
    {
        Skip.IfNot(NativePeers.HasGcc, "gcc is not installed");
        using var scratch = new RawScratch();
        using var segment = SpectrumSegment.Create(scratch.Options);
        using (var guard = segment.Lock())
        {
            for (var i = 0; i < 16; i++)
            {
                guard.Samples[i] = i + 0.25;
            }

            guard.Phases[2] = Phase.Start;
            guard.Sensors[2].Gain = -3.5;
            guard.Count = 16;
        }

        // The C side reads the file in /dev/shm byte for byte as its struct: what a C peer mapping it sees.
        var (buildExit, buildOutput, program) = NativePeers.CompileProgram(SpectrumSegment.CHeader, """
            #include <stdio.h>
            #include "layout.h"
            int main(int argc, char **argv) {
                (void)argc;
                struct Spectrum s;
                FILE *f = fopen(argv[1], "rb");
                if (!f || fread(&s, sizeof s, 1, f) != 1) return 2;
                fclose(f);
                printf("Count=%d Samples[1]=%.2f Samples[15]=%.2f Phases[2]=%u Sensors[2].Gain=%.1f\n",
                    s.Count, s.Samples[1], s.Samples[15], (unsigned)s.Phases[2], s.Sensors_2_Gain);
                return 0;
            }
            """, _directory);
        Assert.True(buildExit == 0, buildOutput);

        var (exitCode, output) = NativePeers.Run(program, scratch.Path);

        Assert.True(exitCode == 0, output);
        Assert.Equal("Count=16 Samples[1]=1.25 Samples[15]=15.25 Phases[2]=1 Sensors[2].Gain=-3.5", output.Trim());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static long ByteOffset<TStruct, TField>(ref TStruct root, ref TField field) =>
        Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref root), ref Unsafe.As<TField, byte>(ref field));
}
