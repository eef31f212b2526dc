using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using ShmGen.Analyzers.Tests.Infrastructure;
using VerifyLayout = ShmGen.Analyzers.Tests.Infrastructure.Verify<ShmGen.Analyzers.LayoutAnalyzer>;

namespace ShmGen.Analyzers.Tests;

public class LayoutAnalyzerTests
{
    // ---- SHM001: not an unmanaged struct ----

    [Fact]
    public Task SHM001_reference_type_field() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm001-a")]
        public partial struct Account
        {
            public long Id;
            public string {|SHM001:Owner|};
        }
        """);

    [Fact]
    public Task SHM001_generic_struct_and_its_type_parameter_field() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm001-b")]
        public partial struct {|SHM001:Slot|}<T> where T : unmanaged
        {
            public T {|SHM001:Value|};
        }
        """);

    [Fact]
    public Task SHM001_reference_hidden_in_a_nested_struct_is_reported_on_the_top_level_field() => VerifyLayout.AnalyzerAsync("""
        public struct Inner
        {
            public int Count;
            public object Tag;
        }

        [SharedSegment("shm001-c")]
        public partial struct Outer
        {
            public Inner {|SHM001:Inner|};
        }
        """);

    [Fact]
    public Task SHM001_ref_struct() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm001-d")]
        public ref partial struct {|SHM001:Cursor|}
        {
            public int Position;
        }
        """);

    [Fact]
    public Task SHM001_near_miss_nested_unmanaged_structs_enums_and_int128_are_fine() => VerifyLayout.AnalyzerAsync("""
        public enum State : byte { Idle, Busy }

        public struct Point { public int X; public int Y; }

        [SharedSegment("shm001-ok")]
        public partial struct Scene
        {
            public Point Origin;
            public State State;
            public Int128 Big;
            public long Ticks { get; set; }
        }
        """);

    [Fact]
    public Task SHM001_near_miss_unannotated_struct_is_never_analyzed() => VerifyLayout.AnalyzerAsync("""
        public struct NotShared
        {
            public string Name;
            public object Tag;
        }
        """);

    // ---- SHM002: process-local address ----

    [Fact]
    public Task SHM002_pointer_and_function_pointer() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm002-a")]
        public unsafe partial struct Node
        {
            public Node* {|SHM002:Next|};
            public delegate*<int, void> {|SHM002:Callback|};
        }
        """);

    [Fact]
    public Task SHM002_pointer_sized_integers_including_auto_property() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm002-b")]
        public partial struct Handles
        {
            public nint {|SHM002:Address|};
            public UIntPtr {|SHM002:Length|};
            public IntPtr {|SHM002:Native|} { get; set; }
        }
        """);

    [Fact]
    public Task SHM002_near_miss_fixed_buffer_is_inline_data_not_a_pointer() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm002-ok")]
        public unsafe partial struct Message
        {
            public int Length;
            public fixed byte Text[60];
        }
        """);

    [Fact]
    public Task SHM002_near_miss_offsets_as_long_and_unannotated_pointer_struct() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm002-ok2")]
        public partial struct Arena
        {
            public long HeadOffset;
            public ulong TailOffset;
        }

        public unsafe struct LocalOnly
        {
            public byte* Cursor;
            public nint Address;
        }
        """);

    // ---- SHM003: LayoutKind.Auto ----

    [Fact]
    public Task SHM003_auto_layout_on_the_annotated_struct() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm003-a")]
        [StructLayout({|SHM003:LayoutKind.Auto|})]
        public partial struct Counters
        {
            public long Hits;
            public byte Flag;
        }
        """);

    [Fact]
    public Task SHM003_auto_layout_in_a_nested_struct_is_reported_on_the_field() => VerifyLayout.AnalyzerAsync("""
        [StructLayout(LayoutKind.Auto)]
        public struct Pair { public long A; public byte B; }

        [SharedSegment("shm003-b")]
        public partial struct Holder
        {
            public int Version;
            public Pair {|SHM003:Pair|};
        }
        """);

    [Fact]
    public Task SHM003_near_miss_sequential_and_explicit_layouts() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm003-ok")]
        [StructLayout(LayoutKind.Sequential)]
        public partial struct Sequential { public long A; public int B; }

        [SharedSegment("shm003-ok2")]
        [StructLayout(LayoutKind.Explicit)]
        public partial struct Union
        {
            [FieldOffset(0)] public long Whole;
            [FieldOffset(0)] public int Low;
        }
        """);

    [Fact]
    public Task SHM003_near_miss_auto_layout_struct_that_is_not_shared() => VerifyLayout.AnalyzerAsync("""
        [StructLayout(LayoutKind.Auto)]
        public struct Scratch { public long A; public byte B; }
        """);

    // ---- SHM004: no fixed cross-language layout (warning for Raw, info for Standard) ----

    [Fact]
    public Task SHM004_bool_and_char_in_raw_format_are_warnings() => VerifyLayout.AnalyzerAsync(
        """
        [SharedSegment("shm004-a", Format = SegmentFormat.Raw)]
        public partial struct ForC
        {
            public int Count;
            public bool {|#0:Ready|};
            public char {|#1:Letter|};
        }
        """,
        VerifyLayout.Diagnostic(DiagnosticDescriptors.NonPortableType).WithLocation(0).WithSeverity(DiagnosticSeverity.Warning).WithArguments("Ready", "'Ready' is Boolean, which has no fixed layout in C or other languages"),
        VerifyLayout.Diagnostic(DiagnosticDescriptors.NonPortableType).WithLocation(1).WithSeverity(DiagnosticSeverity.Warning).WithArguments("Letter", "'Letter' is Char, which has no fixed layout in C or other languages"));

    [Fact]
    public Task SHM004_decimal_datetime_and_guid_in_standard_format_and_queues_are_info() => VerifyLayout.AnalyzerAsync(
        """
        [SharedSegment("shm004-b")]
        public partial struct Ledger
        {
            public decimal {|#0:Balance|};
            public DateTime {|#1:Updated|};
        }

        [SharedQueue("shm004-c")]
        public partial struct Order
        {
            public Guid {|#2:Id|};
            public DateTimeOffset {|#3:Placed|};
        }
        """,
        VerifyLayout.Diagnostic("SHM004", DiagnosticSeverity.Info).WithLocation(0),
        VerifyLayout.Diagnostic("SHM004", DiagnosticSeverity.Info).WithLocation(1),
        VerifyLayout.Diagnostic("SHM004", DiagnosticSeverity.Info).WithLocation(2),
        VerifyLayout.Diagnostic("SHM004", DiagnosticSeverity.Info).WithLocation(3));

    [Fact]
    public Task SHM004_near_miss_byte_flags_and_tick_counts_in_raw_format() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm004-ok", Format = SegmentFormat.Raw)]
        public partial struct ForC
        {
            public byte Ready;
            public ushort Letter;
            public long UpdatedTicks;
        }
        """);

    [Fact]
    public Task SHM004_near_miss_unannotated_struct_with_bool() => VerifyLayout.AnalyzerAsync("""
        public struct Options
        {
            public bool Verbose;
            public DateTime Started;
        }
        """);

    // ---- SHM008: misaligned field ----

    [Fact]
    public Task SHM008_pack_1_misaligns_a_long_after_a_byte() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm008-a")]
        [StructLayout(LayoutKind.Sequential, Pack = 1)]
        public partial struct Packed
        {
            public byte Tag;
            public long {|SHM008:Sequence|};
            public short {|SHM008:Small|};
        }
        """);

    [Fact]
    public Task SHM008_explicit_offset_not_a_multiple_of_the_alignment() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm008-b")]
        [StructLayout(LayoutKind.Explicit)]
        public partial struct Overlay
        {
            [FieldOffset(0)] public byte Kind;
            [FieldOffset(2)] public int {|SHM008:Value|};
        }
        """);

    [Fact]
    public Task SHM008_near_miss_pack_1_with_naturally_aligned_fields() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm008-ok")]
        [StructLayout(LayoutKind.Sequential, Pack = 1)]
        public partial struct Packed
        {
            public long Sequence;
            public int Count;
            public short Small;
            public byte Tag;
        }
        """);

    [Fact]
    public Task SHM008_near_miss_explicit_aligned_offsets() => VerifyLayout.AnalyzerAsync("""
        [SharedSegment("shm008-ok2")]
        [StructLayout(LayoutKind.Explicit)]
        public partial struct Overlay
        {
            [FieldOffset(0)] public byte Kind;
            [FieldOffset(4)] public int Value;
            [FieldOffset(8)] public long Wide;
        }
        """);
}
