using ShmGen;

namespace ShmGen.Nats.TestHost;

/// <summary>What the bridge tests move: an id and a check word derived from it, so a torn or foreign item shows.</summary>
[SharedQueue("bridge-item", Capacity = 1024)]
public partial struct BridgeItem
{
    public long Id;
    public long Check;

    public static BridgeItem For(long id) => new() { Id = id, Check = CheckOf(id) };

    public static long CheckOf(long id) => unchecked(id * 0x5851F42D4C957F2DL) ^ 0x14057B7EF767814FL;

    public readonly bool IsIntact => Check == CheckOf(Id);
}

/// <summary>
/// What the topic bridge tests move: the same fields as <see cref="BridgeItem"/>, in a topic that keeps 2^20 items, so a
/// million-item run is never lapped (a publisher never waits for a slow subscriber, the bridge included).
/// </summary>
[SharedTopic("bridge-tick", Capacity = 1 << 20)]
public partial struct BridgeTick
{
    public long Id;
    public long Check;

    public static BridgeTick For(long id) => new() { Id = id, Check = BridgeItem.CheckOf(id) };

    public readonly bool IsIntact => Check == BridgeItem.CheckOf(Id);
}

/// <summary>Another build's idea of <see cref="BridgeItem"/>: the same size, but Id shrank to an Int32 and a field
/// appeared, so the fingerprints differ.</summary>
[SharedQueue("bridge-item-v2", Capacity = 1024)]
public partial struct BridgeItemV2
{
    public int Id;
    public int Revision;
    public long Check;
}
