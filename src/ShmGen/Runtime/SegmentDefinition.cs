using System;
using System.ComponentModel;
using System.IO;
using ShmGen.Inspection;

namespace ShmGen.Runtime;

/// <summary>
/// The compile-time facts about one annotated struct that the generator hands to the runtime: name, layout
/// fingerprint and description, payload size, mode and format. Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SegmentDefinition
{
    /// <summary>Creates the definition (called once per generated type, from a static field initializer).</summary>
    public SegmentDefinition(
        string defaultName,
        string typeName,
        SegmentKind kind,
        ulong layoutFingerprint,
        string layoutDescription,
        int payloadSize,
        UnixFileMode mode,
        SegmentFormat format)
    {
        DefaultName = defaultName;
        TypeName = typeName;
        Kind = kind;
        LayoutFingerprint = layoutFingerprint;
        LayoutDescription = layoutDescription;
        PayloadSize = payloadSize;
        Mode = mode;
        Format = format;
    }

    /// <summary>The attribute's name.</summary>
    internal string DefaultName { get; }

    /// <summary>The C# type the segment holds, for messages and tools.</summary>
    internal string TypeName { get; }

    /// <summary>Segment or queue.</summary>
    internal SegmentKind Kind { get; }

    /// <summary>FNV-1a 64 of <see cref="LayoutDescription"/>.</summary>
    internal ulong LayoutFingerprint { get; }

    /// <summary>The canonical layout description: <c>size=N;align=N;Field:Type@Offset;...</c>.</summary>
    internal string LayoutDescription { get; }

    /// <summary>The payload's size in bytes.</summary>
    internal int PayloadSize { get; }

    /// <summary>The attribute's mode.</summary>
    internal UnixFileMode Mode { get; }

    /// <summary>The attribute's format.</summary>
    internal SegmentFormat Format { get; }

    /// <summary>
    /// Fails fast if the generator's layout model and the running JIT disagree about the payload's size: mapping a
    /// struct of another size would read past the payload.
    /// </summary>
    internal void VerifyRuntimeSize(int runtimeSize)
    {
        if (runtimeSize != PayloadSize)
        {
            throw new InvalidOperationException(
                $"ShmGen computed {PayloadSize} bytes for {TypeName} at compile time, but the runtime lays it out in " +
                $"{runtimeSize} bytes. Please report this with the struct's declaration.");
        }
    }
}
