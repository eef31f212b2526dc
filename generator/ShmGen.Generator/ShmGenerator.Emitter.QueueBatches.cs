using ShmGen.Generator.Model;

namespace ShmGen.Generator;

public sealed partial class ShmGenerator
{
    internal static partial class Emitter
    {
        /// <summary>The queue's batch and zero-copy members (the runtime's QueueRing.Batches.cs and QueueRing.Loans.cs).</summary>
        private static void EmitQueueBatchesAndLoans(SourceWriter writer, QueueSpec spec)
        {
            var type = spec.Type.FullyQualifiedTypeName;
            writer.Line();
            writer.Lines($$"""
                /// <summary>Adds copies of every item of <paramref name="items"/>, in order, waiting while the queue is full.</summary>
                /// <param name="items">The items to copy in.</param>
                public void EnqueueRange(global::System.ReadOnlySpan<{{type}}> items) => _ring.EnqueueRange(items);

                /// <summary>Takes up to <paramref name="destination"/>'s length of the oldest items, waiting for at least one.</summary>
                /// <param name="destination">Receives copies of the items, in queue order.</param>
                /// <returns>How many items were taken.</returns>
                public int DequeueRange({{TypeNames.Span}}<{{type}}> destination) => _ring.DequeueRange(destination);

                /// <summary>Takes up to <paramref name="destination"/>'s length of the oldest items, waiting at most <paramref name="timeout"/> for the first.</summary>
                /// <param name="destination">Receives copies of the items, in queue order.</param>
                /// <param name="timeout">How long to wait while empty; <see cref="global::System.TimeSpan.Zero"/> does not wait.</param>
                /// <returns>How many items were taken; 0 when the timeout ran out.</returns>
                public int TryDequeueRange({{TypeNames.Span}}<{{type}}> destination, {{TypeNames.TimeSpan}} timeout) => _ring.TryDequeueRange(destination, timeout);

                /// <summary>
                /// Claims a slot to write an item in place (zero-copy), waiting while the queue is full. Write <c>Item</c>,
                /// call <c>Commit()</c>, dispose; disposed without <c>Commit</c>, the slot is skipped by consumers, never delivered.
                /// </summary>
                /// <returns>The loan: use it with <see langword="using"/>.</returns>
                public EnqueueSlot BeginEnqueue() => new(_ring.BeginEnqueue());

                /// <summary>Claims the oldest item to read it in place (zero-copy), waiting while the queue is empty; dispose to release the slot.</summary>
                /// <returns>The loan: use it with <see langword="using"/>.</returns>
                public DequeueSlot BeginDequeue() => new(_ring.BeginDequeue());

                /// <summary>A producer's loan of one slot: write <see cref="Item"/>, <see cref="Commit"/>, dispose.</summary>
                public ref struct EnqueueSlot
                {
                    private global::ShmGen.Runtime.QueueEnqueueSlot<{{type}}> _slot;

                    internal EnqueueSlot(global::ShmGen.Runtime.QueueEnqueueSlot<{{type}}> slot) => _slot = slot;

                    /// <summary>The item in the queue's memory; it holds whatever the slot held last until you write it.</summary>
                    public readonly ref {{type}} Item => ref _slot.Item;

                    /// <summary>Delivers the item. Do not write <see cref="Item"/> afterwards.</summary>
                    public readonly void Commit() => _slot.Commit();

                    /// <summary>Ends the loan; without <see cref="Commit"/> the slot is skipped by consumers.</summary>
                    public void Dispose() => _slot.Dispose();
                }

                /// <summary>A consumer's loan of one item: read <see cref="Item"/>, then dispose to release the slot.</summary>
                public ref struct DequeueSlot
                {
                    private global::ShmGen.Runtime.QueueDequeueSlot<{{type}}> _slot;

                    internal DequeueSlot(global::ShmGen.Runtime.QueueDequeueSlot<{{type}}> slot) => _slot = slot;

                    /// <summary>The item in the queue's memory; valid until <see cref="Dispose"/>.</summary>
                    public readonly ref readonly {{type}} Item => ref _slot.Item;

                    /// <summary>Releases the slot to producers.</summary>
                    public void Dispose() => _slot.Dispose();
                }
                """);
        }
    }
}
