using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ShmGen.Contract;

/// <summary>One field of a layout description: <c>Path:Type@Offset</c>.</summary>
/// <param name="Path">Dotted from the payload's top-level field: <c>Inner.Count</c>, <c>Items[2].X</c>.</param>
/// <param name="Type">The CLR name of the field's type (<c>Int64</c>), <c>Double[16]</c> for a fixed buffer or inline array.</param>
/// <param name="Offset">Bytes from the start of the payload (of the item, for a queue).</param>
internal readonly record struct LayoutField(string Path, string Type, int Offset);

/// <summary>
/// The canonical layout description: the generator writes it (its FNV-1a 64 is the layout fingerprint), the segment
/// header stores it, and the runtime and the inspector read it back. The one writer and the one reader of the format:
/// <code>[queue=2;capacity=1024;]size=16;align=8;Count:Int64@0;Flags:Byte[4]@8;Samples:Double[16]@16</code>
/// Properties are <c>key=value</c>, fields <c>Path:Type@Offset</c>, separated by ';', fields in layout order.
/// </summary>
internal sealed class LayoutDescription
{
    private const char Separator = ';';

    private LayoutDescription(List<KeyValuePair<string, string>> properties, List<LayoutField> fields)
    {
        Properties = properties;
        Fields = fields;
    }

    /// <summary>The <c>key=value</c> parts in order: <c>queue</c> and <c>capacity</c> for a queue, then <c>size</c> and <c>align</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; }

    /// <summary>The fields in layout order.</summary>
    public IReadOnlyList<LayoutField> Fields { get; }

    /// <summary>The payload's (or the queue item's) size in bytes, when the description has it.</summary>
    public int? Size => IntProperty("size");

    /// <summary>The payload's (or the queue item's) alignment in bytes, when the description has it.</summary>
    public int? Alignment => IntProperty("align");

    /// <summary>Describes a payload: <c>size=N;align=N;Path:Type@Offset;...</c>.</summary>
    public static string Write(int size, int alignment, IEnumerable<LayoutField> fields)
    {
        var builder = new StringBuilder();
        builder.Append("size=").Append(Format(size)).Append(";align=").Append(Format(alignment));
        foreach (var field in fields)
        {
            builder.Append(Separator).Append(field.Path).Append(':').Append(field.Type).Append('@').Append(Format(field.Offset));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Describes a queue: its protocol version and capacity, then its item's description. The fingerprint of this
    /// text is the queue's, so a build with another item layout, capacity or protocol is refused, and a mismatch
    /// can say what differs (<c>capacity: 1024 vs 512</c>).
    /// </summary>
    public static string WriteQueue(int capacity, string itemDescription) =>
        "queue=" + Format(ShmContract.QueueProtocolVersion) + Separator + "capacity=" + Format(capacity) + Separator + itemDescription;

    /// <summary>Reads a description; <see langword="null"/> when a part is in neither form.</summary>
    /// <param name="description">The text, e.g. from a segment header.</param>
    /// <param name="isTruncated">Whether the text was cut at a capacity: a malformed last part is then ignored.</param>
    public static LayoutDescription? Parse(string description, bool isTruncated = false)
    {
        var properties = new List<KeyValuePair<string, string>>();
        var fields = new List<LayoutField>();
        var parts = description.Split(new[] { Separator }, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var colon = part.IndexOf(':');
            var at = part.LastIndexOf('@');
            var equals = part.IndexOf('=');
            if (colon > 0 && at > colon + 1 && TryParseInt(part.Substring(at + 1), out var offset))
            {
                fields.Add(new LayoutField(part.Substring(0, colon), part.Substring(colon + 1, at - colon - 1), offset));
            }
            else if (equals > 0 && colon < 0)
            {
                properties.Add(new KeyValuePair<string, string>(part.Substring(0, equals), part.Substring(equals + 1)));
            }
            else if (!(isTruncated && i == parts.Length - 1))
            {
                return null;
            }
        }

        return new LayoutDescription(properties, fields);
    }

    /// <summary>
    /// What differs between two descriptions, one line per property or field, <paramref name="thisBuild"/> first:
    /// <c>Count: Int64 at 0 vs Int32 at 0</c>, <c>capacity: 1024 vs 512</c>, <c>Tail: missing vs Byte at 8</c>. Empty
    /// when either cannot be read or no difference can be named.
    /// </summary>
    public static IReadOnlyList<string> Differences(string thisBuild, string other)
    {
        var differences = new List<string>();
        var mine = Parse(thisBuild)?.Entries();
        var theirs = Parse(other, isTruncated: true)?.Entries();
        if (mine is null || theirs is null)
        {
            return differences;
        }

        foreach (var entry in mine)
        {
            if (!theirs.TryGetValue(entry.Key, out var value))
            {
                differences.Add(entry.Key + ": " + entry.Value + " vs missing");
            }
            else if (value != entry.Value)
            {
                differences.Add(entry.Key + ": " + entry.Value + " vs " + value);
            }
        }

        foreach (var entry in theirs)
        {
            if (!mine.ContainsKey(entry.Key))
            {
                differences.Add(entry.Key + ": missing vs " + entry.Value);
            }
        }

        return differences;
    }

    private int? IntProperty(string key)
    {
        foreach (var property in Properties)
        {
            if (property.Key == key && TryParseInt(property.Value, out var value))
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>Every property and field by name, in order, valued as a message shows it ("Int64 at 0").</summary>
    private OrderedEntries Entries()
    {
        var entries = new OrderedEntries();
        foreach (var property in Properties)
        {
            entries.Set(property.Key, property.Value);
        }

        foreach (var field in Fields)
        {
            entries.Set(field.Path, field.Type + " at " + Format(field.Offset));
        }

        return entries;
    }

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static bool TryParseInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>Keys in first-seen order, so differences are listed in layout order.</summary>
    private sealed class OrderedEntries : IEnumerable<KeyValuePair<string, string>>
    {
        private readonly List<string> _order = [];
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public void Set(string key, string value)
        {
            if (!_values.ContainsKey(key))
            {
                _order.Add(key);
            }

            _values[key] = value;
        }

        public bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);

        public bool ContainsKey(string key) => _values.ContainsKey(key);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
        {
            foreach (var key in _order)
            {
                yield return new KeyValuePair<string, string>(key, _values[key]);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
