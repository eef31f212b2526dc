using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using ShmGen.Inspection;
using ShmGen.Contract;
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
/// this type defines, at run time, a value type with no fields and exactly the header's item size, and instantiates
/// the runtime's queue over it: the bytes move as they would for the real struct, without reflection per item.
/// </remarks>
public abstract class QueueSegmentEndpoint : IItemSource, IItemSink, IDisposable
{
    private protected QueueSegmentEndpoint(ItemLayout layout) => Layout = layout;

    /// <summary>The item layout read from the queue's header.</summary>
    public ItemLayout Layout { get; }

    /// <summary>The queue's name.</summary>
    public abstract string Name { get; }

    /// <summary>Opens the queue <paramref name="name"/> (without the leading '/').</summary>
    /// <param name="name">An existing queue's name.</param>
    /// <exception cref="SegmentNotFoundException">No such segment.</exception>
    /// <exception cref="InvalidOperationException">It is not a ready ShmGen queue, or its stored description was
    /// truncated (too many fields to describe in the header): bridge it with its generated type instead.</exception>
    [RequiresDynamicCode("Defines a value type of the queue's item size at run time.")]
    public static QueueSegmentEndpoint Open(string name)
    {
        var info = SegmentInspector.Inspect(name);
        if (info.Status != SegmentStatus.Ready || info.Kind != SegmentKind.Queue)
        {
            throw new InvalidOperationException($"'/{name}' is not a ready ShmGen queue ({info.Status}{(info.Problem is null ? "" : ": " + info.Problem)}).");
        }

        // The stored description is whole exactly when it hashes to the header's fingerprint (the header keeps a bounded
        // copy; a long one is cut).
        if (info.LayoutDescription is not { } description || info.LayoutFingerprint is not { } fingerprint || LayoutFingerprint.Compute(description) != fingerprint)
        {
            throw new InvalidOperationException($"Queue '/{name}' does not store its whole layout description in its header; bridge it with its generated type.");
        }

        var capacity = Field(description, "capacity");
        var alignment = Field(description, "align");
        var size = Field(description, "size");
        var typeName = info.TypeName ?? name;
        var definition = new QueueDefinition(name, typeName, fingerprint, description, capacity, size, alignment, info.Mode);
        var endpointType = typeof(Endpoint<>).MakeGenericType(SizedItem(size));
        try
        {
            return (QueueSegmentEndpoint)Activator.CreateInstance(endpointType, definition, new SegmentOptions { Name = name, Mode = info.Mode }, ItemLayout.FromDescription(typeName, description))!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <inheritdoc/>
    public abstract bool TryTake(Span<byte> destination, TimeSpan timeout);

    /// <inheritdoc/>
    public abstract bool TryPut(ReadOnlySpan<byte> item, TimeSpan timeout);

    /// <summary>Unmaps the queue; never unlinks.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Unmaps the queue.</summary>
    /// <param name="disposing">Called from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);

    private static int Field(string description, string key)
    {
        foreach (var part in description.Split(';'))
        {
            if (part.StartsWith(key + "=", StringComparison.Ordinal) &&
                int.TryParse(part.AsSpan(key.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        throw new InvalidOperationException($"The queue's layout description '{description}' has no {key}=.");
    }

    [RequiresDynamicCode("Defines a value type at run time.")]
    private static Type SizedItem(int size)
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("ShmGen.Nats.SizedItems"), AssemblyBuilderAccess.RunAndCollect);
        var module = assembly.DefineDynamicModule("ShmGen.Nats.SizedItems");
        var type = module.DefineType(
            "Item" + size.ToString(CultureInfo.InvariantCulture),
            TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.SequentialLayout,
            typeof(ValueType),
            PackingSize.Size1,
            size);
        return type.CreateType();
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
