using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using ShmGen.Layout;

namespace ShmGen.Generator.Tests;

/// <summary>The shared layout model on inputs the snapshots do not cover: deep nesting, shared types, inline arrays.</summary>
public sealed class LayoutCalculatorTests
{
    [Fact]
    public void A_struct_nested_25_deep_is_laid_out_once_per_type()
    {
        // Level0 { long V; Level1 Next; } ... Level25 { long V; }: 26 nested types plus the root. Laying each out again
        // for every field that contains it, as the model once did, would be 2^25 layouts.
        const int depth = 25;
        var source = new StringBuilder("namespace Deep;\n[ShmGen.SharedSegment(\"deep\")] public partial struct Root { public Level0 Head; }\n");
        for (var i = 0; i < depth; i++)
        {
            source.Append($"public struct Level{i} {{ public long V; public Level{i + 1} Next; }}\n");
        }

        source.Append($"public struct Level{depth} {{ public long V; }}\n");

        var layout = LayoutCalculator.Compute(Type(source.ToString(), "Deep.Root"));

        Assert.Equal(depth + 2, layout.LaidOutTypes);
        Assert.True(layout.IsShareable);
        Assert.Equal((depth + 1) * 8, layout.Size);
        Assert.Equal(depth + 1, layout.Leaves.Length);
        Assert.Equal("Head" + string.Concat(Enumerable.Repeat(".Next", depth)) + ".V", layout.Leaves[^1].Path);
        Assert.Equal(depth * 8, layout.Leaves[^1].Offset);
    }

    [Fact]
    public void A_type_used_by_many_fields_is_laid_out_once()
    {
        var layout = LayoutCalculator.Compute(Type("""
            namespace Shared;
            public struct Pair { public int A; public int B; }
            public struct Quad { public Pair Left; public Pair Right; }
            [ShmGen.SharedSegment("shared")]
            public partial struct Root { public Quad First; public Quad Second; public Pair Last; }
            """, "Shared.Root"));

        Assert.Equal(3, layout.LaidOutTypes);
        Assert.Equal(10, layout.Leaves.Length);
        Assert.Equal("size=40;align=4;First.Left.A:Int32@0;First.Left.B:Int32@4;First.Right.A:Int32@8;First.Right.B:Int32@12;Second.Left.A:Int32@16;Second.Left.B:Int32@20;Second.Right.A:Int32@24;Second.Right.B:Int32@28;Last.A:Int32@32;Last.B:Int32@36", layout.Description);
    }

    [Fact]
    public void An_inline_array_of_scalars_is_one_field_like_a_fixed_buffer()
    {
        var layout = LayoutCalculator.Compute(Type("""
            namespace Arrays;
            public enum Level : short { Low, High }
            [System.Runtime.CompilerServices.InlineArray(16)] public struct Samples16 { private double _element; }
            [System.Runtime.CompilerServices.InlineArray(3)] public struct Levels3 { private Level _element; }
            [ShmGen.SharedSegment("arrays")]
            public unsafe partial struct Root { public long Started; public int Count; public Samples16 Samples; public Levels3 Levels; public fixed byte Tag[4]; }
            """, "Arrays.Root"));

        Assert.Equal("size=160;align=8;Started:Int64@0;Count:Int32@8;Samples:Double[16]@16;Levels:Int16[3]@144;Tag:Byte[4]@150", layout.Description);
        var samples = layout.Leaves.Single(l => l.Path == "Samples");
        Assert.Equal(("double", 16, 128, 8), (samples.CType, samples.ArrayLength, samples.Size, samples.Alignment));
    }

    [Fact]
    public void An_inline_array_of_structs_names_every_element()
    {
        var layout = LayoutCalculator.Compute(Type("""
            namespace Arrays;
            public struct Point { public int X; public short Y; }
            [System.Runtime.CompilerServices.InlineArray(2)] public struct TwoPoints { private Point _element; }
            [System.Runtime.CompilerServices.InlineArray(2)] public struct Grid { private TwoPoints _element; }
            [ShmGen.SharedSegment("grid")]
            public partial struct Root { public byte Kind; public Grid Cells; }
            """, "Arrays.Root"));

        Assert.Equal(
            "size=36;align=4;Kind:Byte@0;Cells[0][0].X:Int32@4;Cells[0][0].Y:Int16@8;Cells[0][1].X:Int32@12;Cells[0][1].Y:Int16@16;" +
            "Cells[1][0].X:Int32@20;Cells[1][0].Y:Int16@24;Cells[1][1].X:Int32@28;Cells[1][1].Y:Int16@32",
            layout.Description);
        Assert.Equal(4, layout.LaidOutTypes);
    }

    [Fact]
    public void A_problem_inside_an_inline_array_element_is_reported_once_on_the_top_level_field()
    {
        var type = Type("""
            namespace Arrays;
            public unsafe struct Node { public int* Next; }
            [System.Runtime.CompilerServices.InlineArray(4)] public struct Nodes { private Node _element; }
            [ShmGen.SharedSegment("nodes")]
            public partial struct Root { public Nodes Items; }
            """, "Arrays.Root");

        var layout = LayoutCalculator.Compute(type);

        Assert.False(layout.IsShareable);
        Assert.Equal(type.GetMembers("Items").Single(), Assert.Single(layout.Problems).Symbol, SymbolEqualityComparer.Default);
        var problem = Assert.Single(layout.Problems);
        Assert.Equal((LayoutProblemKind.ProcessLocalAddress, "Items[0].Next"), (problem.Kind, problem.Subject));
    }

    [Fact]
    public void Misalignment_that_only_a_later_inline_array_element_has_is_still_reported()
    {
        // Under Pack = 1 the element is 9 bytes: element 0's long is aligned, element 1's sits at offset 9.
        var layout = LayoutCalculator.Compute(Type("""
            namespace Arrays;
            [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Pack = 1)]
            public struct Packed { public long Value; public byte Tag; }
            [System.Runtime.CompilerServices.InlineArray(4)] public struct Four { private Packed _element; }
            [ShmGen.SharedSegment("packed")]
            public partial struct Root { public Four Items; }
            """, "Arrays.Root"));

        var problem = Assert.Single(layout.Problems);
        Assert.Equal((LayoutProblemKind.Misaligned, "Items[1].Value"), (problem.Kind, problem.Subject));
        Assert.True(layout.IsShareable);
    }

    [Fact]
    public void A_struct_that_contains_itself_is_an_error_not_a_stack_overflow()
    {
        // CS0523 for the compiler; the analyzers and the generator still see the symbols while the user types.
        var layout = LayoutCalculator.Compute(Type("""
            namespace Cycle;
            public struct Link { public long V; public Link Next; }
            [ShmGen.SharedSegment("cycle")]
            public partial struct Root { public Link Head; }
            """, "Cycle.Root"));

        Assert.False(layout.IsShareable);
        Assert.Contains(layout.Problems, p => p.Kind == LayoutProblemKind.NotUnmanagedStruct && p.Detail == "the struct nests too deeply");
        Assert.Equal(2, layout.LaidOutTypes);
    }

    private static INamedTypeSymbol Type(string source, string metadataName) =>
        GeneratorHarness.Compile(source).GetTypeByMetadataName(metadataName)!;
}
