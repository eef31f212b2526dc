using System.Globalization;
using ShmGen.Contract;
using ShmGen.Generator.Model;

namespace ShmGen.Generator;

public sealed partial class ShmGenerator
{
    internal static partial class Emitter
    {
        private static void EmitQueue(SourceWriter writer, QueueSpec spec)
        {
            var type = spec.Type.FullyQualifiedTypeName;
            var queue = spec.Type.TypeName + ShmContract.QueueSuffix;
            var ring = $"{TypeNames.QueueRing}<{type}>";
            writer.Lines($$"""
                /// <summary>
                /// The bounded multi-producer/multi-consumer queue <c>/{{spec.Type.SharedName}}</c> of <see cref="{{type}}"/> items in
                /// POSIX shared memory, for any number of processes: <see cref="Enqueue(in {{type}})"/> stalls while it is full,
                /// <see cref="Dequeue()"/> waits while it is empty, and every item is delivered at most once, exactly once
                /// unless a process is killed while moving it. Dispose to unmap.
                /// </summary>
                [{{TypeNames.GeneratedCode}}("ShmGen", "{{Version}}")]
                """);
            using (writer.Block($"{spec.Type.Accessibility} sealed partial class {queue} : {TypeNames.IDisposable}"))
            {
                writer.Lines($$"""
                    /// <summary>The queue's POSIX name without the leading '/', from the attribute.</summary>
                    public const string DefaultName = "{{spec.Type.SharedName}}";

                    /// <summary>FNV-1a 64 of <see cref="LayoutDescription"/>: openers refuse a queue with another fingerprint.</summary>
                    public const ulong LayoutFingerprint = 0x{{spec.Fingerprint.ToString("X16", CultureInfo.InvariantCulture)}}UL;

                    /// <summary>The queue's layout this build computed at compile time: protocol version, capacity, the item's size, alignment and fields.</summary>
                    public const string LayoutDescription = "{{spec.Description}}";

                    private static readonly {{TypeNames.QueueDefinition}} s_definition = new(
                        DefaultName,
                        "{{spec.Type.DisplayTypeName}}",
                        LayoutFingerprint,
                        LayoutDescription,
                        {{spec.Capacity.ToString(CultureInfo.InvariantCulture)}},
                        {{spec.Item.Size.ToString(CultureInfo.InvariantCulture)}},
                        {{spec.Item.Alignment.ToString(CultureInfo.InvariantCulture)}},
                        ({{TypeNames.UnixFileMode}}){{((int)spec.Type.Mode).ToString(CultureInfo.InvariantCulture)}});

                    private readonly {{ring}} _ring;

                    private {{queue}}({{ring}} ring) => _ring = ring;

                    /// <summary>Creates the queue (O_CREAT|O_EXCL): fails with <see cref="global::ShmGen.SegmentAlreadyExistsException"/> if the name exists.</summary>
                    /// <param name="options">Name, mode and timeouts overriding the attribute's.</param>
                    public static {{queue}} Create({{TypeNames.SegmentOptions}}? options = null) =>
                        new({{ring}}.Create(s_definition, options));

                    /// <summary>Attaches to an existing queue after validating its owner, mode, size, header and capacity.</summary>
                    /// <param name="options">Name, mode and timeouts overriding the attribute's.</param>
                    public static {{queue}} Open({{TypeNames.SegmentOptions}}? options = null) =>
                        new({{ring}}.Open(s_definition, options));

                    /// <summary>Creates the queue or attaches to it; between racing processes exactly one creates it.</summary>
                    /// <param name="options">Name, mode and timeouts overriding the attribute's.</param>
                    public static {{queue}} OpenOrCreate({{TypeNames.SegmentOptions}}? options = null) =>
                        new({{ring}}.OpenOrCreate(s_definition, options));

                    /// <summary>Removes the name (for example a stale one); <see langword="false"/> if it did not exist.</summary>
                    /// <param name="options">The name to remove, if not the attribute's.</param>
                    public static bool TryUnlink({{TypeNames.SegmentOptions}}? options = null) =>
                        {{ring}}.TryUnlink(s_definition, options);

                    /// <summary>The POSIX name without the leading '/'.</summary>
                    public string Name => _ring.Name;

                    /// <summary>Whether this instance created the queue.</summary>
                    public bool IsCreator => _ring.IsCreator;

                    /// <summary>How many items the queue holds: the attribute's <c>Capacity</c>.</summary>
                    public int Capacity => _ring.Capacity;

                    /// <summary>How many items are in the queue now, from 0 to <see cref="Capacity"/>; other processes change it at any time.</summary>
                    public int Count => _ring.Count;

                    /// <summary>Adds a copy of <paramref name="item"/>, waiting while the queue is full.</summary>
                    /// <param name="item">The item to copy in.</param>
                    public void Enqueue(in {{type}} item) => _ring.Enqueue(in item);

                    /// <summary>Adds a copy of <paramref name="item"/>, waiting while the queue is full, until <paramref name="cancellationToken"/> is cancelled.</summary>
                    /// <param name="item">The item to copy in.</param>
                    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
                    /// <exception cref="global::System.OperationCanceledException">Cancelled before the item was added.</exception>
                    public void Enqueue(in {{type}} item, {{TypeNames.CancellationToken}} cancellationToken) => _ring.Enqueue(in item, cancellationToken);

                    /// <summary>Adds a copy of <paramref name="item"/> if room appears within <paramref name="timeout"/>.</summary>
                    /// <param name="item">The item to copy in.</param>
                    /// <param name="timeout">How long to wait while full; <see cref="global::System.TimeSpan.Zero"/> does not wait.</param>
                    /// <returns>Whether the item was added; <see langword="false"/> leaves the queue unchanged.</returns>
                    public bool TryEnqueue(in {{type}} item, {{TypeNames.TimeSpan}} timeout) => _ring.TryEnqueue(in item, timeout);

                    /// <summary>Adds a copy of <paramref name="item"/> if room appears within <paramref name="timeout"/>, unless cancelled.</summary>
                    /// <param name="item">The item to copy in.</param>
                    /// <param name="timeout">How long to wait while full; <see cref="global::System.TimeSpan.Zero"/> does not wait.</param>
                    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
                    /// <returns>Whether the item was added; <see langword="false"/> leaves the queue unchanged.</returns>
                    /// <exception cref="global::System.OperationCanceledException">Cancelled before the item was added.</exception>
                    public bool TryEnqueue(in {{type}} item, {{TypeNames.TimeSpan}} timeout, {{TypeNames.CancellationToken}} cancellationToken) =>
                        _ring.TryEnqueue(in item, timeout, cancellationToken);

                    /// <summary>Removes the oldest item, waiting while the queue is empty.</summary>
                    /// <returns>A copy of the item.</returns>
                    public {{type}} Dequeue() => _ring.Dequeue();

                    /// <summary>Removes the oldest item, waiting while the queue is empty, until <paramref name="cancellationToken"/> is cancelled.</summary>
                    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
                    /// <returns>A copy of the item.</returns>
                    /// <exception cref="global::System.OperationCanceledException">Cancelled before an item was taken.</exception>
                    public {{type}} Dequeue({{TypeNames.CancellationToken}} cancellationToken) => _ring.Dequeue(cancellationToken);

                    /// <summary>Removes the oldest item if one appears within <paramref name="timeout"/>.</summary>
                    /// <param name="item">A copy of the item, or <see langword="default"/>.</param>
                    /// <param name="timeout">How long to wait while empty; <see cref="global::System.TimeSpan.Zero"/> does not wait.</param>
                    /// <returns>Whether an item was taken; <see langword="false"/> leaves the queue unchanged.</returns>
                    public bool TryDequeue(out {{type}} item, {{TypeNames.TimeSpan}} timeout) => _ring.TryDequeue(out item, timeout);

                    /// <summary>Removes the oldest item if one appears within <paramref name="timeout"/>, unless cancelled.</summary>
                    /// <param name="item">A copy of the item, or <see langword="default"/>.</param>
                    /// <param name="timeout">How long to wait while empty; <see cref="global::System.TimeSpan.Zero"/> does not wait.</param>
                    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
                    /// <returns>Whether an item was taken; <see langword="false"/> leaves the queue unchanged.</returns>
                    /// <exception cref="global::System.OperationCanceledException">Cancelled before an item was taken.</exception>
                    public bool TryDequeue(out {{type}} item, {{TypeNames.TimeSpan}} timeout, {{TypeNames.CancellationToken}} cancellationToken) =>
                        _ring.TryDequeue(out item, timeout, cancellationToken);

                    /// <summary>
                    /// Adds a copy of <paramref name="item"/>, completing when there was room: at once (no allocation) if
                    /// there is room now, otherwise without holding any thread while it waits.
                    /// </summary>
                    /// <param name="item">The item to copy in.</param>
                    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
                    /// <returns>Completes when the item is in the queue.</returns>
                    public {{TypeNames.ValueTask}} EnqueueAsync({{type}} item, {{TypeNames.CancellationToken}} cancellationToken = default) =>
                        _ring.EnqueueAsync(item, cancellationToken);

                    /// <summary>
                    /// Removes the oldest item: at once (no allocation) if one is there, otherwise without holding any thread
                    /// while it waits.
                    /// </summary>
                    /// <param name="cancellationToken">Cancels the wait; the queue is then unchanged.</param>
                    /// <returns>A copy of the item.</returns>
                    public {{TypeNames.ValueTask}}<{{type}}> DequeueAsync({{TypeNames.CancellationToken}} cancellationToken = default) =>
                        _ring.DequeueAsync(cancellationToken);

                    /// <summary>Every item as it arrives; ends only by cancellation (or disposal).</summary>
                    /// <param name="cancellationToken">Ends the enumeration; an item not yet taken stays in the queue.</param>
                    /// <returns>The items, in the order this consumer takes them.</returns>
                    public {{TypeNames.IAsyncEnumerable}}<{{type}}> ReadAllAsync({{TypeNames.CancellationToken}} cancellationToken = default) =>
                        _ring.ReadAllAsync(cancellationToken);

                    /// <summary>Removes the name; this and other processes' mappings stay valid until disposed.</summary>
                    public void Unlink() => _ring.Unlink();

                    /// <summary>Unmaps the queue. Idempotent; never unlinks.</summary>
                    public void Dispose() => _ring.Dispose();
                    """);
                writer.Line();
                EmitQueueAccessRoles(writer, spec);

                EmitQueueBatchesAndLoans(writer, spec);
            }
        }
    }
}
