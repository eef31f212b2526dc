using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Inspection;

namespace ShmGen.Tests;

/// <summary>
/// The generator's layout model (compile time) against the JIT's actual layout (run time): every offset in the
/// generated LayoutDescription and the size must be what the CLR really does, or two processes would read each
/// other's fields at the wrong places.
/// </summary>
public sealed class LayoutAgreementTests
{
    [Fact]
    public void Sequential_padding() => Agree<Padded>(
        PaddedSegment.LayoutDescription,
        (ref d) => new()
        {
            ["A"] = Offset(ref d, ref d.A),
            ["B"] = Offset(ref d, ref d.B),
            ["C"] = Offset(ref d, ref d.C),
            ["D"] = Offset(ref d, ref d.D),
            ["E"] = Offset(ref d, ref d.E),
        });

    [Fact]
    public void Pack_1() => Agree<Packed1>(
        Packed1Segment.LayoutDescription,
        (ref d) => new() { ["A"] = Offset(ref d, ref d.A), ["B"] = Offset(ref d, ref d.B), ["C"] = Offset(ref d, ref d.C) });

    [Fact]
    public void Pack_2() => Agree<Packed2>(
        Packed2Segment.LayoutDescription,
        (ref d) => new() { ["A"] = Offset(ref d, ref d.A), ["B"] = Offset(ref d, ref d.B), ["C"] = Offset(ref d, ref d.C) });

    [Fact]
    public void Explicit_size() => Agree<Sized>(
        SizedSegment.LayoutDescription,
        (ref d) => new() { ["A"] = Offset(ref d, ref d.A) });

    [Fact]
    public unsafe void Nested_struct_enum_and_fixed_buffer() => Agree<Composite>(
        CompositeSegment.LayoutDescription,
        (ref d) => new()
        {
            ["Kind"] = Offset(ref d, ref d.Kind),
            ["Inner.Small"] = Offset(ref d, ref d.Inner.Small),
            ["Inner.Big"] = Offset(ref d, ref d.Inner.Big),
            ["Numbers"] = Offset(ref d, ref d.Numbers[0]),
            ["Tail"] = Offset(ref d, ref d.Tail),
        });

    [Fact]
    public void Types_without_a_cross_language_layout_still_agree_with_the_CLR() => Agree<Clr>(
        ClrSegment.LayoutDescription,
        (ref d) => new()
        {
            ["Flag"] = Offset(ref d, ref d.Flag),
            ["Letter"] = Offset(ref d, ref d.Letter),
            ["Money"] = Offset(ref d, ref d.Money),
            ["Id"] = Offset(ref d, ref d.Id),
            ["When"] = Offset(ref d, ref d.When),
            ["Half"] = Offset(ref d, ref d.Half),
        });

    [Fact]
    public void Int128_is_16_aligned() => Agree<Wide>(
        WideSegment.LayoutDescription,
        (ref d) => new() { ["Tag"] = Offset(ref d, ref d.Tag), ["Big"] = Offset(ref d, ref d.Big) });

    [Fact]
    public void Explicit_overlapping_fields() => Agree<Overlay>(
        OverlaySegment.LayoutDescription,
        (ref d) => new() { ["All"] = Offset(ref d, ref d.All), ["Low"] = Offset(ref d, ref d.Low), ["Last"] = Offset(ref d, ref d.Last) });

    [Fact]
    public void Inline_arrays_and_auto_property_backing_fields() => Agree<WithArray>(
        WithArraySegment.LayoutDescription,
        (ref d) => new()
        {
            ["Count"] = Offset(ref d, ref d.Count),
            ["Items[0].X"] = Offset(ref d, ref d.Items[0].X),
            ["Items[0].Y"] = Offset(ref d, ref d.Items[0].Y),
            ["Items[4].X"] = Offset(ref d, ref d.Items[4].X),
            ["Items[4].Y"] = Offset(ref d, ref d.Items[4].Y),
            ["Flag"] = Offset(ref d, ref d.Flag),
            ["Samples"] = Offset(ref d, ref d.Samples[0]),
            ["Stamp"] = Offset(ref d, ref StampBackingField(ref d)),
        });

    [Fact]
    public void DateTimeOffset_fields() => Agree<WithDateTimeOffset>(
        WithDateTimeOffsetSegment.LayoutDescription,
        (ref d) => new() { ["A"] = Offset(ref d, ref d.A), ["B"] = Offset(ref d, ref d.B), ["C"] = Offset(ref d, ref d.C) });

    private static long Offset<TStruct, TField>(ref TStruct root, ref TField field) =>
        Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref root), ref Unsafe.As<TField, byte>(ref field));

    private delegate Dictionary<string, long> Measure<T>(ref T data);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "<Stamp>k__BackingField")]
    private static extern ref long StampBackingField(ref WithArray data);

    private static void Agree<T>(string description, Measure<T> measure)
        where T : unmanaged
    {
        var layout = SegmentLayoutInfo.Parse(description);
        Assert.NotNull(layout);
        Assert.Equal(Unsafe.SizeOf<T>(), layout.Size);
        var generated = layout.Fields.ToDictionary(f => f.Name, f => (long)f.Offset);
        var data = default(T);
        var actual = measure(ref data);
        foreach (var (path, offset) in actual)
        {
            Assert.True(generated.TryGetValue(path, out var computed), $"{path} missing from '{description}'");
            Assert.True(offset == computed, $"{path}: generator says {computed}, the CLR says {offset} ('{description}')");
        }
    }
}

[SharedSegment("layout-padded")]
public partial struct Padded
{
    public byte A;
    public long B;
    public short C;
    public int D;
    public byte E;
}

#pragma warning disable SHM008 // Misalignment is the point of these two: the model must still match the CLR.
[SharedSegment("layout-pack1")]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public partial struct Packed1
{
    public byte A;
    public long B;
    public short C;
}

[SharedSegment("layout-pack2")]
[StructLayout(LayoutKind.Sequential, Pack = 2)]
public partial struct Packed2
{
    public byte A;
    public long B;
    public int C;
}
#pragma warning restore SHM008

[SharedSegment("layout-sized")]
[StructLayout(LayoutKind.Sequential, Size = 40)]
public partial struct Sized
{
    public int A;
}

public enum Mood : short
{
    Calm = 1,
}

public struct InnerPair
{
    public byte Small;
    public double Big;
}

[SharedSegment("layout-composite")]
public unsafe partial struct Composite
{
    public Mood Kind;
    public InnerPair Inner;
    public fixed int Numbers[3];
    public byte Tail;
}

[SharedSegment("layout-clr")]
public partial struct Clr
{
    public bool Flag;
    public char Letter;
    public decimal Money;
    public Guid Id;
    public DateTime When;
    public Half Half;
}

[SharedSegment("layout-wide")]
public partial struct Wide
{
    public byte Tag;
    public Int128 Big;
}

[SharedSegment("layout-overlay")]
[StructLayout(LayoutKind.Explicit)]
public partial struct Overlay
{
    [FieldOffset(0)] public long All;
    [FieldOffset(0)] public int Low;
    [FieldOffset(12)] public short Last;
}

public struct Coordinate
{
    public int X;
    public short Y;
}

[InlineArray(5)]
public struct FiveCoordinates
{
    private Coordinate _element;
}

[InlineArray(3)]
public struct ThreeDoubles
{
    private double _element;
}

[SharedSegment("layout-array")]
public partial struct WithArray
{
    public int Count;
    public FiveCoordinates Items;
    public byte Flag;
    public ThreeDoubles Samples;

    public long Stamp { get; set; }
}

[SharedSegment("layout-dto")]
public partial struct WithDateTimeOffset
{
    public byte A;
    public DateTimeOffset B;
    public byte C;
}
