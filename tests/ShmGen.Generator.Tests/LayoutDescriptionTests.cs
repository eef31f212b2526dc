using System.Linq;
using ShmGen.Contract;

namespace ShmGen.Generator.Tests;

/// <summary>The shared reader and writer of the layout description (shared/ShmGen.Contract), which the runtime uses too.</summary>
public sealed class LayoutDescriptionTests
{
    [Fact]
    public void What_is_written_reads_back_field_by_field()
    {
        var text = LayoutDescription.Write(160, 8, [new("Count", "Int32", 0), new("Samples", "Double[16]", 8), new("Items[2].X", "Int32", 136)]);

        var parsed = LayoutDescription.Parse(text);

        Assert.Equal("size=160;align=8;Count:Int32@0;Samples:Double[16]@8;Items[2].X:Int32@136", text);
        Assert.NotNull(parsed);
        Assert.Equal((160, 8), (parsed.Size, parsed.Alignment));
        Assert.Equal([new("Count", "Int32", 0), new("Samples", "Double[16]", 8), new LayoutField("Items[2].X", "Int32", 136)], parsed.Fields);
    }

    [Fact]
    public void A_queue_description_carries_the_protocol_version_and_the_capacity_before_the_item()
    {
        var text = LayoutDescription.WriteQueue(512, "size=8;align=8;Id:Int64@0");

        var parsed = LayoutDescription.Parse(text)!;

        Assert.Equal($"queue={ShmContract.QueueProtocolVersion};capacity=512;size=8;align=8;Id:Int64@0", text);
        Assert.Equal(["queue", "capacity", "size", "align"], parsed.Properties.Select(p => p.Key));
        Assert.Equal(8, parsed.Size);
        Assert.Equal(new LayoutField("Id", "Int64", 0), Assert.Single(parsed.Fields));
    }

    [Fact]
    public void Differences_name_each_field_and_property_this_build_first()
    {
        var differences = LayoutDescription.Differences(
            "queue=2;capacity=1024;size=144;align=8;Count:Int32@0;Samples:Double[16]@8",
            "queue=2;capacity=512;size=80;align=8;Count:Int32@0;Samples:Double[8]@8;Tail:Byte@72");

        Assert.Equal(["capacity: 1024 vs 512", "size: 144 vs 80", "Samples: Double[16] at 8 vs Double[8] at 8", "Tail: missing vs Byte at 72"], differences);
    }

    [Theory]
    [InlineData("size=8;align=8;Value")]
    [InlineData("size=8;align=8;Value:Int64@x")]
    [InlineData("size=8;align=8;:Int64@0")]
    public void A_malformed_part_makes_the_description_unreadable(string text) => Assert.Null(LayoutDescription.Parse(text));

    [Fact]
    public void A_truncated_description_keeps_what_precedes_the_cut()
    {
        var parsed = LayoutDescription.Parse("size=16;align=8;Count:Int64@0;Tail:By", isTruncated: true)!;

        Assert.Equal(new LayoutField("Count", "Int64", 0), Assert.Single(parsed.Fields));
        Assert.Equal(["Count: Int64 at 0 vs missing"], LayoutDescription.Differences("size=16;align=8;Count:Int64@0", "size=16;align=8;Tail:By"));
    }

    [Fact]
    public void Differences_of_an_unreadable_description_are_empty_not_an_exception() =>
        Assert.Empty(LayoutDescription.Differences("size=8;align=8;Value:Int64@0", "\u0001garbage;;@@::"));
}
