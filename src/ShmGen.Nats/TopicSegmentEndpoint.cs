using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using ShmGen.Inspection;
using ShmGen.Runtime;

namespace ShmGen.Nats;

/// <summary>
/// An existing <c>[SharedTopic]</c> opened by name alone, without its item type: what <c>shmgen bridge topic</c> uses.
/// As a source it is a subscriber that sees every item published after <see cref="Open"/> (and counts what it missed
/// in <see cref="Missed"/>); as a sink it publishes, which never blocks. The layout comes from the topic's header, as for
/// <see cref="QueueSegmentEndpoint"/>.
/// </summary>
public abstract class TopicSegmentEndpoint : SegmentEndpoint
{
    private protected TopicSegmentEndpoint(ItemLayout layout)
        : base(layout)
    {
    }



    /// <summary>Items the source side's subscriber missed because publishers lapped it.</summary>
    public abstract long Missed { get; }

    /// <summary>Opens the topic <paramref name="name"/> (without the leading '/') and subscribes to it.</summary>
    /// <param name="name">An existing topic's name.</param>
    /// <exception cref="SegmentNotFoundException">No such segment.</exception>
    /// <exception cref="InvalidOperationException">It is not a ready ShmGen topic, or its stored description was
    /// truncated: bridge it with its generated type instead.</exception>
    [RequiresDynamicCode("Defines a value type of the topic's item size at run time.")]
    public static TopicSegmentEndpoint Open(string name)
    {
        var stored = StoredLayout.Read(name, SegmentKind.Topic);
        var definition = new TopicDefinition(name, stored.TypeName, stored.Fingerprint, stored.Description, stored.Capacity, stored.ItemSize, stored.Alignment, stored.Mode);
        return stored.Instantiate<TopicSegmentEndpoint>(typeof(Endpoint<>), definition, new SegmentOptions { Name = name, Mode = stored.Mode });
    }

    private sealed class Endpoint<T> : TopicSegmentEndpoint
        where T : unmanaged
    {
        private readonly TopicRing<T> _ring;
        private readonly TopicSubscriber<T> _subscriber;

        public Endpoint(TopicDefinition definition, SegmentOptions options, ItemLayout layout)
            : base(layout)
        {
            _ring = TopicRing<T>.Open(definition, options);
            _subscriber = _ring.Subscribe();
        }

        public override string Name => _ring.Name;

        public override long Missed => _subscriber.Missed;

        public override bool TryTake(Span<byte> destination, TimeSpan timeout)
        {
            if (!_subscriber.TryReceive(out var item, timeout))
            {
                return false;
            }

            MemoryMarshal.Write(destination, in item);
            return true;
        }

        public override bool TryPut(ReadOnlySpan<byte> item, TimeSpan timeout)
        {
            var value = MemoryMarshal.Read<T>(item);
            _ring.Publish(in value);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            _subscriber.Dispose();
            _ring.Dispose();
        }
    }
}
