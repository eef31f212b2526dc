using System;
using System.Runtime.InteropServices;

namespace ShmGen.Nats;

/// <summary>Takes one item, waiting at most <paramref name="timeout"/>: the shape of a generated queue's
/// <c>TryDequeue(out T, TimeSpan)</c> (and of a topic subscriber's <c>TryReceive</c>).</summary>
/// <typeparam name="T">The item struct.</typeparam>
/// <param name="item">The item taken.</param>
/// <param name="timeout">How long to wait for one.</param>
/// <returns>Whether an item was taken.</returns>
public delegate bool ItemTaker<T>(out T item, TimeSpan timeout)
    where T : unmanaged;

/// <summary>Puts one item, waiting at most <paramref name="timeout"/> for room: the shape of a generated queue's
/// <c>TryEnqueue(in T, TimeSpan)</c>.</summary>
/// <typeparam name="T">The item struct.</typeparam>
/// <param name="item">The item to put.</param>
/// <param name="timeout">How long to wait for room.</param>
/// <returns>Whether the item was put; <see langword="false"/> must mean it was not.</returns>
public delegate bool ItemPutter<T>(in T item, TimeSpan timeout)
    where T : unmanaged;

/// <summary>Publishes one item and returns its sequence number: the shape of a generated topic's <c>Publish(in T)</c>,
/// which never blocks.</summary>
/// <typeparam name="T">The item struct.</typeparam>
/// <param name="item">The item to publish.</param>
/// <returns>The item's sequence number in the topic.</returns>
public delegate long ItemPublisher<T>(in T item)
    where T : unmanaged;

/// <summary>Where a bridge takes items from: the items' layout and a way to take one as bytes.</summary>
public interface IItemSource
{
    /// <summary>The layout of every item this source yields.</summary>
    ItemLayout Layout { get; }

    /// <summary>Copies one item into <paramref name="destination"/> (exactly <see cref="ItemLayout.ItemSize"/> bytes) if one
    /// arrives within <paramref name="timeout"/>.</summary>
    /// <param name="destination">Where the item's bytes go.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether an item was taken.</returns>
    bool TryTake(Span<byte> destination, TimeSpan timeout);
}

/// <summary>Where a bridge puts items: the layout it accepts and a way to put one as bytes.</summary>
public interface IItemSink
{
    /// <summary>The layout this sink accepts; messages with another fingerprint are rejected.</summary>
    ItemLayout Layout { get; }

    /// <summary>Puts one item (exactly <see cref="ItemLayout.ItemSize"/> bytes) if there is room within
    /// <paramref name="timeout"/>; <see langword="false"/> must mean the item was not put.</summary>
    /// <param name="item">The item's bytes.</param>
    /// <param name="timeout">How long to wait for room.</param>
    /// <returns>Whether the item was put.</returns>
    bool TryPut(ReadOnlySpan<byte> item, TimeSpan timeout);
}

/// <summary>
/// Wires a generated queue or topic (or anything with their method shapes) to a bridge, typed:
/// <code>
/// using var jobs = JobQueue.OpenOrCreate();
/// var source = BridgeEndpoint.Source&lt;Job&gt;(JobQueue.LayoutDescription, jobs.TryDequeue);
/// var sink = BridgeEndpoint.Sink&lt;Job&gt;(JobQueue.LayoutDescription, jobs.TryEnqueue);
///
/// using var prices = TickTopic.OpenOrCreate();
/// using var subscriber = prices.Subscribe();   // before the first item the bridge should forward
/// var from = BridgeEndpoint.Source&lt;Tick&gt;(TickTopic.LayoutDescription, subscriber.TryReceive);
/// var into = BridgeEndpoint.Sink&lt;Tick&gt;(TickTopic.LayoutDescription, prices.Publish);
/// </code>
/// </summary>
public static class BridgeEndpoint
{
    /// <summary>A source that takes items with <paramref name="take"/>.</summary>
    /// <typeparam name="T">The item struct.</typeparam>
    /// <param name="layoutDescription">The generated type's <c>LayoutDescription</c>.</param>
    /// <param name="take">E.g. a generated queue's <c>TryDequeue</c>.</param>
    public static IItemSource Source<T>(string layoutDescription, ItemTaker<T> take)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(take);
        return new TypedSource<T>(ItemLayout.Of<T>(layoutDescription), take);
    }

    /// <summary>A sink that puts items with <paramref name="put"/>.</summary>
    /// <typeparam name="T">The item struct.</typeparam>
    /// <param name="layoutDescription">The generated type's <c>LayoutDescription</c>.</param>
    /// <param name="put">E.g. a generated queue's <c>TryEnqueue</c>.</param>
    public static IItemSink Sink<T>(string layoutDescription, ItemPutter<T> put)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(put);
        return new TypedSink<T>(ItemLayout.Of<T>(layoutDescription), put);
    }

    /// <summary>A sink that publishes every item with <paramref name="publish"/> (a topic's publish never blocks, so the
    /// sink never refuses an item).</summary>
    /// <typeparam name="T">The item struct.</typeparam>
    /// <param name="layoutDescription">The generated type's <c>LayoutDescription</c>.</param>
    /// <param name="publish">A generated topic's <c>Publish</c>.</param>
    public static IItemSink Sink<T>(string layoutDescription, ItemPublisher<T> publish)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(publish);
        return new TypedSink<T>(ItemLayout.Of<T>(layoutDescription), (in T item, TimeSpan _) =>
        {
            publish(in item);
            return true;
        });
    }

    private sealed class TypedSource<T>(ItemLayout layout, ItemTaker<T> take) : IItemSource
        where T : unmanaged
    {
        public ItemLayout Layout { get; } = layout;

        public bool TryTake(Span<byte> destination, TimeSpan timeout)
        {
            if (!take(out var item, timeout))
            {
                return false;
            }

            MemoryMarshal.Write(destination, in item);
            return true;
        }
    }

    private sealed class TypedSink<T>(ItemLayout layout, ItemPutter<T> put) : IItemSink
        where T : unmanaged
    {
        public ItemLayout Layout { get; } = layout;

        public bool TryPut(ReadOnlySpan<byte> item, TimeSpan timeout)
        {
            // The bytes came off the network: read them unaligned into a local, never reinterpret the buffer in place.
            var value = MemoryMarshal.Read<T>(item);
            return put(in value, timeout);
        }
    }
}
