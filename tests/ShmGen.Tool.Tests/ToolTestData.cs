using ShmGen;

namespace ShmGen.Tool.Tests;

/// <summary>The payload of the tool tests' segments; compiled into the test assembly and, by link, into the peer, so
/// the test process can open what the peer created.</summary>
[SharedSegment("shmgen-tool-test")]
public partial struct ToolTestData
{
    public long Counter;
    public int Flags;
    public Reading Last;
}

/// <summary>A nested struct, so the layout has a dotted field path.</summary>
public struct Reading
{
    public double Value;
    public short Sensor;
}
