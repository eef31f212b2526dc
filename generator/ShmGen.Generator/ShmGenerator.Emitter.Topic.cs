using System.Globalization;
using ShmGen.Contract;
using ShmGen.Generator.Model;

namespace ShmGen.Generator;

public sealed partial class ShmGenerator
{
    internal static partial class Emitter
    {
        private static void EmitTopic(SourceWriter writer, TopicSpec spec)
        {
            var type = spec.Type.FullyQualifiedTypeName;
            var topic = spec.Type.TypeName + ShmContract.TopicSuffix;
            var ring = $"{TypeNames.TopicRing}<{type}>";
            var subscriber = $"{TypeNames.TopicSubscriber}<{type}>";
            var description = spec.Description;
            var fingerprint = spec.Fingerprint;
            writer.Lines($$"""
                /// <summary>
                /// The publish/subscribe topic <c>/{{spec.Type.SharedName}}</c> of <see cref="{{type}}"/> items in POSIX shared memory,
                /// for any number of publisher and subscriber processes: <see cref="Publish(in {{type}})"/> never blocks (the ring
                /// keeps the last <see cref="Capacity"/> items), and each <see cref="Subscriber"/> sees every item published after
                /// it subscribed while it keeps up. Dispose to unmap.
                /// </summary>
                [{{TypeNames.GeneratedCode}}("ShmGen", "{{Version}}")]
                """);
            using (writer.Block($"{spec.Type.Accessibility} sealed partial class {topic} : {TypeNames.IDisposable}"))
            {
                writer.Lines($$"""
                    /// <summary>The topic's POSIX name without the leading '/', from the attribute.</summary>
                    public const string DefaultName = "{{spec.Type.SharedName}}";

                    /// <summary>FNV-1a 64 of <see cref="LayoutDescription"/>: openers refuse a topic with another fingerprint.</summary>
                    public const ulong LayoutFingerprint = 0x{{fingerprint.ToString("X16", CultureInfo.InvariantCulture)}}UL;

                    /// <summary>The topic's layout this build computed at compile time: protocol version, capacity, the item's size, alignment and fields.</summary>
                    public const string LayoutDescription = "{{description}}";

                    private static readonly {{TypeNames.TopicDefinition}} s_definition = new(
                        DefaultName,
                        "{{spec.Type.DisplayTypeName}}",
                        LayoutFingerprint,
                        LayoutDescription,
                        {{spec.Capacity.ToString(CultureInfo.InvariantCulture)}},
                        {{spec.Item.Size.ToString(CultureInfo.InvariantCulture)}},
                        {{spec.Item.Alignment.ToString(CultureInfo.InvariantCulture)}},
                        ({{TypeNames.UnixFileMode}}){{((int)spec.Type.Mode).ToString(CultureInfo.InvariantCulture)}});

                    private readonly {{ring}} _ring;

                    private {{topic}}({{ring}} ring) => _ring = ring;

                    /// <summary>Creates the topic (O_CREAT|O_EXCL): fails with <see cref="global::ShmGen.SegmentAlreadyExistsException"/> if the name exists.</summary>
                    /// <param name="options">Name, mode and timeouts overriding the attribute's.</param>
                    public static {{topic}} Create({{TypeNames.SegmentOptions}}? options = null) =>
                        new({{ring}}.Create(s_definition, options));

                    /// <summary>Attaches to an existing topic after validating its owner, mode, size, header and capacity.</summary>
                    /// <param name="options">Name, mode and timeouts overriding the attribute's.</param>
                    public static {{topic}} Open({{TypeNames.SegmentOptions}}? options = null) =>
                        new({{ring}}.Open(s_definition, options));

                    /// <summary>Creates the topic or attaches to it; between racing processes exactly one creates it.</summary>
                    /// <param name="options">Name, mode and timeouts overriding the attribute's.</param>
                    public static {{topic}} OpenOrCreate({{TypeNames.SegmentOptions}}? options = null) =>
                        new({{ring}}.OpenOrCreate(s_definition, options));

                    /// <summary>Removes the name (for example a stale one); <see langword="false"/> if it did not exist.</summary>
                    /// <param name="options">The name to remove, if not the attribute's.</param>
                    public static bool TryUnlink({{TypeNames.SegmentOptions}}? options = null) =>
                        {{ring}}.TryUnlink(s_definition, options);

                    /// <summary>The POSIX name without the leading '/'.</summary>
                    public string Name => _ring.Name;

                    /// <summary>Whether this instance created the topic.</summary>
                    public bool IsCreator => _ring.IsCreator;

                    /// <summary>How many of the latest items the ring keeps: the attribute's <c>Capacity</c>.</summary>
                    public int Capacity => _ring.Capacity;

                    /// <summary>The sequence number the next published item gets; other processes change it at any time.</summary>
                    public long NextSequence => _ring.NextSequence;

                    /// <summary>Publishes a copy of <paramref name="item"/> without waiting: it overwrites the oldest item in the ring.</summary>
                    /// <param name="item">The item to copy in.</param>
                    /// <returns>The item's sequence number.</returns>
                    public long Publish(in {{type}} item) => _ring.Publish(in item);

                    /// <summary>A subscriber that sees every item published from now on, while it keeps up; it registers nothing in shared memory.</summary>
                    /// <returns>The subscriber; dispose it when done.</returns>
                    public Subscriber Subscribe() => new(_ring.Subscribe());

                    /// <summary>Removes the name; this and other processes' mappings stay valid until disposed.</summary>
                    public void Unlink() => _ring.Unlink();

                    /// <summary>Unmaps the topic. Idempotent; never unlinks.</summary>
                    public void Dispose() => _ring.Dispose();

                    /// <summary>
                    /// One reader's position in the topic, kept in this process: it never slows a publisher. One receive at a time.
                    /// </summary>
                    public sealed class Subscriber : {{TypeNames.IDisposable}}
                    {
                        private readonly {{subscriber}} _subscriber;

                        internal Subscriber({{subscriber}} subscriber) => _subscriber = subscriber;

                        /// <summary>Items overwritten before this subscriber read them (it then skipped ahead to the oldest item kept).</summary>
                        public long Missed => _subscriber.Missed;

                        /// <summary>Takes the next item, waiting until one is published.</summary>
                        /// <returns>A copy of the item.</returns>
                        public {{type}} Receive() => _subscriber.Receive();

                        /// <summary>Takes the next item if one is published within <paramref name="timeout"/>.</summary>
                        /// <param name="item">A copy of the item, or <see langword="default"/>.</param>
                        /// <param name="timeout">How long to wait; <see cref="global::System.TimeSpan.Zero"/> does not wait.</param>
                        /// <returns>Whether an item was taken.</returns>
                        public bool TryReceive(out {{type}} item, {{TypeNames.TimeSpan}} timeout) => _subscriber.TryReceive(out item, timeout);

                        /// <summary>Takes the next item without holding a thread while it waits.</summary>
                        /// <param name="cancellationToken">Cancels the wait; nothing is taken then.</param>
                        /// <returns>A copy of the item.</returns>
                        public global::System.Threading.Tasks.ValueTask<{{type}}> ReceiveAsync({{TypeNames.CancellationToken}} cancellationToken = default) =>
                            _subscriber.ReceiveAsync(cancellationToken);

                        /// <summary>Ends the subscription; pending async receives fail with <see cref="global::System.ObjectDisposedException"/>.</summary>
                        public void Dispose() => _subscriber.Dispose();
                    }
                    """);
            }
        }
    }
}
