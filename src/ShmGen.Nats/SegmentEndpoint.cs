using System;

namespace ShmGen.Nats;

/// <summary>
/// A ring opened by name alone, without its item type (<see cref="QueueSegmentEndpoint"/>,
/// <see cref="TopicSegmentEndpoint"/>): the layout comes from the ring's own header, and items move as raw bytes of
/// that layout.
/// </summary>
public abstract class SegmentEndpoint : IItemSource, IItemSink, IDisposable
{
    private protected SegmentEndpoint(ItemLayout layout) => Layout = layout;

    /// <summary>The item layout read from the header.</summary>
    public ItemLayout Layout { get; }

    /// <summary>The ring's name.</summary>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract bool TryTake(Span<byte> destination, TimeSpan timeout);

    /// <inheritdoc/>
    public abstract bool TryPut(ReadOnlySpan<byte> item, TimeSpan timeout);

    /// <summary>Unmaps the ring; never unlinks.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Unmaps the ring.</summary>
    /// <param name="disposing">Called from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);
}
