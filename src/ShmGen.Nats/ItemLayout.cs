using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using ShmGen.Contract;

namespace ShmGen.Nats;

/// <summary>
/// The layout of the items a bridge moves: the item's part of a generated type's <c>LayoutDescription</c> (its size,
/// alignment and fields, without the queue's or topic's own keys such as <c>capacity</c>) and the FNV-1a 64 fingerprint
/// of that part. Two hosts may size their queues differently and still exchange items; they may not disagree about a
/// field.
/// </summary>
public sealed class ItemLayout
{
    // Keys that describe the container (queue format, ring capacity), not the item: they stay out of the wire fingerprint.
    private static readonly HashSet<string> s_containerKeys = new(StringComparer.Ordinal) { "queue", "topic", "capacity" };

    private ItemLayout(string typeName, string description, int itemSize)
    {
        TypeName = typeName;
        Description = description;
        ItemSize = itemSize;
        // The generator's own fingerprint function (compiled in, see the project file): a [SharedSegment] of the same
        // struct has the same fingerprint on the wire as in its header.
        Fingerprint = LayoutFingerprint.Compute(description);
    }

    /// <summary>The item's C# type name, for messages.</summary>
    public string TypeName { get; }

    /// <summary>The item's canonical layout, e.g. <c>size=16;align=8;Id:Int64@0;Payload:Double@8</c>.</summary>
    public string Description { get; }

    /// <summary>FNV-1a 64 of <see cref="Description"/>: what every message carries and every receiver checks.</summary>
    public ulong Fingerprint { get; }

    /// <summary>The item's size in bytes.</summary>
    public int ItemSize { get; }

    /// <summary>The layout of <typeparamref name="T"/> from its generated type's description.</summary>
    /// <typeparam name="T">The item struct.</typeparam>
    /// <param name="layoutDescription">The generated <c>LayoutDescription</c> const, e.g. <c>JobQueue.LayoutDescription</c>.</param>
    /// <exception cref="ArgumentException">The description's size is not <typeparamref name="T"/>'s.</exception>
    public static unsafe ItemLayout Of<T>(string layoutDescription)
        where T : unmanaged
    {
        var layout = FromDescription(typeof(T).FullName ?? typeof(T).Name, layoutDescription);
        if (layout.ItemSize != sizeof(T))
        {
            throw new ArgumentException(
                $"The layout description says {layout.ItemSize} bytes, but {layout.TypeName} is {sizeof(T)} bytes: pass the LayoutDescription generated for {layout.TypeName}.",
                nameof(layoutDescription));
        }

        return layout;
    }

    /// <summary>The item layout inside a generated (or stored) layout description.</summary>
    /// <param name="typeName">The item's type name, for messages.</param>
    /// <param name="layoutDescription">A segment's, queue's or topic's layout description.</param>
    /// <exception cref="ArgumentException">The description has no positive <c>size=</c>.</exception>
    public static ItemLayout FromDescription(string typeName, string layoutDescription)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        ArgumentNullException.ThrowIfNull(layoutDescription);
        var item = new StringBuilder(layoutDescription.Length);
        var size = 0;
        foreach (var part in layoutDescription.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? part.Substring(0, equals) : null;
            if (key is not null && s_containerKeys.Contains(key))
            {
                continue;
            }

            if (key == "size")
            {
                _ = int.TryParse(part.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out size);
            }

            item.Append(item.Length == 0 ? "" : ";").Append(part);
        }

        if (size <= 0)
        {
            throw new ArgumentException($"'{layoutDescription}' is not a ShmGen layout description: it has no positive size=.", nameof(layoutDescription));
        }

        return new ItemLayout(typeName, item.ToString(), size);
    }

    /// <summary>Throws unless <paramref name="length"/> is this layout's item size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void VerifySize(int length)
    {
        if (length != ItemSize)
        {
            throw new ArgumentException($"An item of {TypeName} is {ItemSize} bytes, not {length}.");
        }
    }
}
