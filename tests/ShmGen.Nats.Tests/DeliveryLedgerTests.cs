using System;

namespace ShmGen.Nats.Tests;

/// <summary>The destination ledger tells a delivered redelivery from one it never saw, and admits what it cannot judge.</summary>
public sealed class DeliveryLedgerTests
{
    [Fact]
    public void It_remembers_sequences_across_reopens_and_flags_overwritten_slots_as_ambiguous()
    {
        var name = $"shmgen-test-{Guid.NewGuid():N}";
        try
        {
            using (var ledger = new LedgerFile(name))
            {
                Assert.Equal(LedgerVerdict.NotDelivered, ledger.Check(5));
                ledger.Record(5);
            }

            // A new bridge process (here: a new mapping) sees what the killed one recorded.
            using var reopened = new LedgerFile(name);
            Assert.Equal(LedgerVerdict.Delivered, reopened.Check(5));
            Assert.Equal(LedgerVerdict.NotDelivered, reopened.Check(6));
            Assert.Equal(LedgerVerdict.NotDelivered, reopened.Check(5 + DeliveryLedger.Slots));

            reopened.Record(5 + DeliveryLedger.Slots);
            Assert.Equal(LedgerVerdict.Ambiguous, reopened.Check(5));
        }
        finally
        {
            DeliveryLedgerSegment.TryUnlink(new SegmentOptions { Name = name });
        }
    }
}
