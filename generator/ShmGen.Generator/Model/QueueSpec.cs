namespace ShmGen.Generator.Model;

/// <summary>Everything the emitter needs for one <c>[SharedQueue]</c> struct.</summary>
/// <param name="Type">The item struct and the generated class's place and names.</param>
/// <param name="Capacity">Slots: a valid power of two (the parser skips invalid ones, SHM009).</param>
/// <param name="Item">The item's layout.</param>
/// <param name="Fingerprint">FNV-1a 64 of <paramref name="Description"/>: the queue's, not the item's.</param>
/// <param name="Description">The queue's layout description: protocol version, capacity, then the item's.</param>
internal sealed record QueueSpec(
    SharedTypeSpec Type,
    int Capacity,
    PayloadLayoutSpec Item,
    ulong Fingerprint,
    string Description);
