using System;
using System.Threading;

namespace ShmGen.Nats;

/// <summary>
/// What a JetStream-to-queue bridge has put into its destination queue, by stream sequence number, in shared memory on
/// the destination host: it outlives a bridge killed between putting an item and acknowledging it, so the restarted
/// bridge recognizes the redelivered message and drops it instead of delivering the item twice.
/// </summary>
/// <remarks>
/// Direct-mapped: slot <c>sequence % Slots</c> holds the last sequence recorded there. A redelivered message whose slot
/// holds its own sequence was delivered; one whose slot holds an older sequence was not; one whose slot holds a newer
/// sequence is ambiguous (more than <see cref="Slots"/> newer messages were delivered since) and is delivered again and
/// counted as a possible duplicate. Sized for about 2 s of a fast stream; the message's first delivery never reads it.
/// </remarks>
[SharedSegment("shmgen-bridge-ledger")]
internal unsafe partial struct DeliveryLedger
{
    public const int Slots = 1 << 16;

    public fixed ulong Delivered[Slots];
}

/// <summary>What <see cref="LedgerFile.Check"/> found for a redelivered message.</summary>
internal enum LedgerVerdict
{
    NotDelivered,
    Delivered,
    Ambiguous,
}

/// <summary>The ledger segment of one bridge (named after its stream and consumer), opened or created on start.</summary>
internal sealed unsafe class LedgerFile : IDisposable
{
    private readonly DeliveryLedgerSegment _segment;

    public LedgerFile(string name) =>
        _segment = DeliveryLedgerSegment.OpenOrCreate(new SegmentOptions { Name = name });

    public string Name => _segment.Name;

    public LedgerVerdict Check(ulong sequence)
    {
        // Slots are written by one bridge at a time per sequence; a plain atomic read is all a check needs.
        var recorded = Volatile.Read(ref _segment.Data.Delivered[(int)(sequence & (DeliveryLedger.Slots - 1))]);
        return recorded == sequence ? LedgerVerdict.Delivered : recorded < sequence ? LedgerVerdict.NotDelivered : LedgerVerdict.Ambiguous;
    }

    public void Record(ulong sequence) =>
        Volatile.Write(ref _segment.Data.Delivered[(int)(sequence & (DeliveryLedger.Slots - 1))], sequence);

    public void Dispose() => _segment.Dispose();
}
