using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Reflection.Emit;
using ShmGen.Contract;
using ShmGen.Inspection;
using ShmGen.Runtime;

namespace ShmGen.Nats;

/// <summary>
/// What an untyped endpoint (<see cref="QueueSegmentEndpoint"/>, <see cref="TopicSegmentEndpoint"/>) knows of a ring it
/// was not compiled with: the layout stored in its header, trusted only when the stored description hashes to the
/// header's fingerprint (the header keeps a bounded copy; a long one is cut), and a value type of the item's size to
/// instantiate the runtime's ring over.
/// </summary>
internal sealed record StoredLayout(
    string Name, string TypeName, ulong Fingerprint, string Description, int Capacity, int ItemSize, int Alignment, UnixFileMode Mode)
{
    /// <summary>Reads the header of <paramref name="name"/>, which must be a ready ring of <paramref name="kind"/>.</summary>
    public static StoredLayout Read(string name, SegmentKind kind)
    {
        var what = kind == SegmentKind.Topic ? "topic" : "queue";
        var info = SegmentInspector.Inspect(name);
        if (info.Status != SegmentStatus.Ready || info.Kind != kind)
        {
            throw new InvalidOperationException($"'/{name}' is not a ready ShmGen {what} ({info.Status}{(info.Problem is null ? "" : ": " + info.Problem)}).");
        }

        if (info.LayoutDescription is not { } description || info.LayoutFingerprint is not { } fingerprint || LayoutFingerprint.Compute(description) != fingerprint)
        {
            throw new InvalidOperationException($"The {what} '/{name}' does not store its whole layout description in its header; bridge it with its generated type.");
        }

        return new StoredLayout(
            name, info.TypeName ?? name, fingerprint, description, Field(description, "capacity"), Field(description, "size"), Field(description, "align"), info.Mode);
    }

    /// <summary>The item layout on the wire.</summary>
    public ItemLayout ItemLayout => ItemLayout.FromDescription(TypeName, Description);

    /// <summary>Creates <paramref name="endpoint"/> closed over an item type of <see cref="ItemSize"/> bytes, passing
    /// the definition, the options and the item layout to its constructor; the constructor's exceptions come out as thrown.</summary>
    [RequiresDynamicCode("Defines a value type of the item size at run time.")]
    public TEndpoint Instantiate<TEndpoint>(Type endpoint, object definition, SegmentOptions options)
    {
        var closed = endpoint.MakeGenericType(SizedItem(ItemSize));
        try
        {
            return (TEndpoint)Activator.CreateInstance(closed, definition, options, ItemLayout)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

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

        throw new InvalidOperationException($"The layout description '{description}' has no {key}=.");
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
}
