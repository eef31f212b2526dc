using System;
using System.Text;
using System.Threading;
using ShmGen.Contract;
using ShmGen.Inspection;

namespace ShmGen.Runtime;

/// <summary>
/// Decides whether a mapped Standard segment may be trusted as this build's type. Reads only, never writes, and
/// trusts no header field before checking it, so a hostile or truncated file becomes a typed exception.
/// </summary>
internal static unsafe class SegmentValidation
{
    /// <summary>The file size of a Standard segment holding <paramref name="payloadSize"/> bytes.</summary>
    public static long TotalSize(int payloadSize) => SegmentHeader.Size + (((long)payloadSize + 63) & ~63L);

    /// <summary>The problem with the segment, or <see langword="null"/> when it is valid.</summary>
    /// <param name="header">The mapping, at least <see cref="SegmentHeader.Size"/> bytes.</param>
    /// <param name="fileSize">The file's size from fstat: the mapping's length.</param>
    /// <param name="definition">What this build expects.</param>
    /// <param name="name">The segment's name, for messages.</param>
    public static SharedSegmentException? Validate(SegmentHeader* header, long fileSize, SegmentDefinition definition, string name)
    {
        var state = Volatile.Read(ref header->State);
        if (state == SegmentState.Initializing && header->Magic == SegmentHeader.ExpectedMagic)
        {
            // A ShmGen creator writes the magic before anything else (SegmentCreation), so this file provably is one's.
            // Validate runs with LOCK_SH held, which a live creator's LOCK_EX excludes: this creator died.
            var creator = header->CreatorPid == 0 ? "its creator" : $"its creator (pid {header->CreatorPid})";
            return new SegmentNotInitializedException(
                name, $"Shared memory segment '/{name}' was never initialized: {creator} died before publishing it. OpenOrCreate reclaims such a leftover; TryUnlink removes it.");
        }

        if (header->Magic != SegmentHeader.ExpectedMagic)
        {
            return new SegmentCorruptedException(
                name,
                $"/dev/shm/{name} is not a ShmGen segment (bad magic 0x{header->Magic:X16}): another program's shared memory, " +
                "or a Raw-format segment opened as Standard. ShmGen leaves it untouched; choose another name, or remove it yourself if it is yours.");
        }

        if (header->Version != SegmentHeader.CurrentVersion)
        {
            return new SegmentCorruptedException(
                name, $"Shared memory segment '/{name}' has format version {header->Version}; this build of ShmGen reads version {SegmentHeader.CurrentVersion}.");
        }

        if (state != SegmentState.Ready)
        {
            return new SegmentCorruptedException(name, $"Shared memory segment '/{name}' has an invalid state word {state}.");
        }

        if (header->Kind != (uint)definition.Kind)
        {
            return new SegmentLayoutMismatchException(
                name,
                $"Shared memory segment '/{name}' holds a {Describe(header->Kind)}, but {definition.TypeName} expects a {Describe((uint)definition.Kind)}.",
                definition.LayoutFingerprint,
                header->Fingerprint);
        }

        if (header->Fingerprint != definition.LayoutFingerprint)
        {
            return LayoutMismatch(header, definition, name);
        }

        var expectedTotal = TotalSize(definition.PayloadSize);
        if (header->PayloadOffset != SegmentHeader.Size || header->PayloadSize != (ulong)definition.PayloadSize || header->TotalSize != (ulong)expectedTotal)
        {
            return new SegmentCorruptedException(
                name,
                $"Shared memory segment '/{name}' has an inconsistent header: payload {header->PayloadSize} bytes at {header->PayloadOffset}, " +
                $"{header->TotalSize} bytes in all; {definition.TypeName} needs {definition.PayloadSize} bytes at {SegmentHeader.Size}, {expectedTotal} in all.");
        }

        if (fileSize != expectedTotal)
        {
            return new SegmentCorruptedException(
                name,
                $"Shared memory segment '/{name}' is {fileSize} bytes, but its header says {expectedTotal}: it was truncated or resized. " +
                "Mapping it would crash with SIGBUS on the missing pages.");
        }

        return null;
    }

    private static SegmentLayoutMismatchException LayoutMismatch(SegmentHeader* header, SegmentDefinition definition, string name)
    {
        var message = new StringBuilder()
            .Append("Shared memory segment '/").Append(name).Append("' was created with layout fingerprint 0x")
            .Append(header->Fingerprint.ToString("X16", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", but this build's ").Append(definition.TypeName).Append(" has 0x")
            .Append(definition.LayoutFingerprint.ToString("X16", System.Globalization.CultureInfo.InvariantCulture))
            .Append(": the two builds disagree about the struct's layout.");
        var stored = ReadDescription(header);
        if (stored is not null)
        {
            var differences = LayoutDescription.Differences(definition.LayoutDescription, stored);
            if (differences.Count > 0)
            {
                message.Append(" Differences (this build vs segment): ").Append(string.Join("; ", differences)).Append('.');
            }
        }

        return new SegmentLayoutMismatchException(name, message.ToString(), definition.LayoutFingerprint, header->Fingerprint);
    }

    private static string? ReadDescription(SegmentHeader* header)
    {
        var length = header->DescriptionLength;
        if (length == 0 || length > SegmentHeader.DescriptionCapacity)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(header->Description, (int)length);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Describe(uint kind) => kind switch
    {
        (uint)SegmentKind.Segment => "segment",
        (uint)SegmentKind.Queue => "queue",
        (uint)SegmentKind.Topic => "topic",
        _ => $"kind {kind}",
    };
}
