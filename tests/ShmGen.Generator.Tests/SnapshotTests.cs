namespace ShmGen.Generator.Tests;

/// <summary>The generated text for representative inputs; each also proves its run caches (<see cref="IncrementalChecks"/>).</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void SimpleStruct() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using ShmGen;

        namespace Demo;

        [SharedSegment("sample")]
        public partial struct Sample
        {
            public ulong Value;
        }
        """));

    [Fact]
    public void NestedStructFixedBufferAndEnum() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using ShmGen;

        namespace Demo.Telemetry;

        public enum Status : byte { Idle, Busy }

        public struct Vector { public float X; public float Y; public float Z; }

        [SharedSegment("telemetry", Mode = System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite | System.IO.UnixFileMode.GroupRead)]
        public unsafe partial struct Telemetry
        {
            public Status State;
            public Vector Position;
            public fixed byte Label[32];
            public long Ticks;
        }
        """));

    [Fact]
    public void ExplicitLayout() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using System.Runtime.InteropServices;
        using ShmGen;

        namespace Demo;

        [SharedSegment("registers")]
        [StructLayout(LayoutKind.Explicit, Size = 32)]
        public partial struct Registers
        {
            [FieldOffset(0)] public ulong Whole;
            [FieldOffset(0)] public uint Low;
            [FieldOffset(4)] public uint High;
            [FieldOffset(16)] public double Scale;
        }
        """));

    [Fact]
    public void GlobalNamespace() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        [ShmGen.SharedSegment("global-counter")]
        internal partial struct GlobalCounter
        {
            public int Count;
        }
        """));

    [Fact]
    public void NestedType() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using ShmGen;

        namespace Demo;

        public static partial class Outer
        {
            internal partial record struct Middle
            {
                [SharedSegment("nested")]
                public partial struct Inner
                {
                    public long A;
                    internal int B;
                }
            }
        }
        """));

    [Fact]
    public void ReadonlyFieldsAutoPropertiesAndKeywordNames() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using ShmGen;

        namespace Demo;

        [SharedSegment("mixed")]
        public partial struct Mixed
        {
            public readonly int Version;
            public long @class;
            public double Ratio { get; set; }
            private int _hidden;
        }
        """));

    [Fact]
    public void Queue() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using ShmGen;

        namespace Demo.Jobs;

        [SharedQueue("jobs", Capacity = 1024)]
        public partial struct Job
        {
            public long Id;
            public double Payload;
        }
        """));

    [Fact]
    public void Topic() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using ShmGen;

        namespace Demo.Market;

        [SharedTopic("ticks", Capacity = 4096)]
        public partial struct Tick
        {
            public int Instrument;
            public double Price;
        }
        """));

    [Fact]
    public void RecordStruct() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using ShmGen;

        namespace Demo;

        [SharedSegment("record")]
        public partial record struct Quote(long Instrument, double Price)
        {
            public int Sequence;
        }
        """));

    [Fact]
    public void InlineArrays() => Snapshot.Verify(GeneratorHarness.CachedSingleOutput("""
        using System.Runtime.CompilerServices;
        using ShmGen;

        namespace Demo;

        [InlineArray(16)]
        public struct Samples16 { private double _element; }

        public struct Point { public int X; public short Y; }

        [InlineArray(3)]
        public struct ThreePoints { private Point _element; }

        [SharedSegment("inline", Format = SegmentFormat.Raw)]
        public partial struct Recording
        {
            public long Started;
            public int Count;
            public Samples16 Samples;
            public ThreePoints Corners;
        }
        """));
}
