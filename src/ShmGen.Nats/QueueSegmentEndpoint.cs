using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using ShmGen.Inspection;
using ShmGen.Runtime;

namespace ShmGen.Nats;

/// <summary>
/// An existing <c>[SharedQueue]</c> opened by name alone, without its item type: what <c>shmgen bridge</c> uses, and
/// what a program can use to bridge a queue it was not compiled with. The layout comes from the queue's own header
/// (fingerprint, item size, alignment, capacity and field description, as <c>shmgen inspect</c> shows them), and the
/// queue is opened through the runtime like any other, with every check a typed open makes.
/// </summary>
/// <remarks>
/// The runtime's queue is generic over the item, and only the item's size matters to it (items are copied whole). So
/// this type instantiates the runtime's queue over a value type of exactly the header's item size, defined at run time
/// (<see cref="StoredLayout"/>): the bytes move as they would for the real struct, without reflection per item.
/// </remarks>
public abstract class QueueSegmentEndpoint : SegmentEndpoint
{
    private protected QueueSegmentEndpoint(ItemLayout layout)
        : base(layout)
    {
    }



    /// <summary>Opens the queue <paramref name="name"/> (without the leading '/').</summary>
    /// <param name="name">An existing queue's name.</param>
    /// <exception cref="SegmentNotFoundException">No such segment.</exception>
    /// <exception cref="InvalidOperationException">It is not a ready ShmGen queue, or its stored description was
    /// truncated (too many fields to describe in the header): bridge it with its generated type instead.</exception>
    [RequiresDynamicCode("Defines a value type of the queue's item size at run time.")]
    public static QueueSegmentEndpoint Open(string name)
    {
        var stored = StoredLayout.Read(name, SegmentKind.Queue);
        var definition = new QueueDefinition(name, stored.TypeName, stored.Fingerprint, stored.Description, stored.Capacity, stored.ItemSize, stored.Alignment, stored.Mode);
        return stored.Instantiate<QueueSegmentEndpoint>(typeof(Endpoint<>), definition, new SegmentOptions { Name = name, Mode = stored.Mode });
    }

    private sealed class Endpoint<T> : QueueSegmentEndpoint
        where T : unmanaged
    {
        private readonly QueueRing<T> _ring;

        public Endpoint(QueueDefinition definition, SegmentOptions options, ItemLayout layout)
            : base(layout) => _ring = QueueRing<T>.Open(definition, options);

        public override string Name => _ring.Name;

        public override bool TryTake(Span<byte> destination, TimeSpan timeout)
        {
            if (!_ring.TryDequeue(out var item, timeout))
            {
                return false;
            }

            MemoryMarshal.Write(destination, in item);
            return true;
        }

        public override bool TryPut(ReadOnlySpan<byte> item, TimeSpan timeout)
        {
            var value = MemoryMarshal.Read<T>(item);
            return _ring.TryEnqueue(in value, timeout);
        }

        protected override void Dispose(bool disposing) => _ring.Dispose();
    }
}
