using System;
using System.Net.Sockets;

namespace ShmGen.Runtime;

/// <summary>The access roles of a mapping: read-only views, and anonymous sealed segments passed between processes.</summary>
public sealed unsafe partial class SegmentMapping
{
    /// <summary>
    /// Attaches read-only: O_RDONLY descriptor, PROT_READ mapping, read permission suffices. The mapping never writes
    /// shared memory: <see cref="Lock{T}"/> throws, <see cref="Snapshot{T}"/> reads through the sequence lock.
    /// </summary>
    public static SegmentMapping OpenReadOnly<T>(SegmentDefinition definition, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        var name = SegmentNames.Resolve(definition, options);
        if (definition.Format == SegmentFormat.Raw)
        {
            throw new NotSupportedException(
                $"Shared memory segment '/{name}' is in the Raw format, which has no sequence lock: a consistent read needs its named " +
                "semaphore, which a read-only view would have to write. Use Open and Lock, or the Standard format.");
        }

        try
        {
            return SegmentAttach.Open(definition, name, options ?? SegmentOptions.Default, readOnly: true);
        }
        catch (StaleSegmentException stale)
        {
            throw stale.Public;
        }
    }

    /// <summary>Creates an anonymous sealed segment: a memfd no holder can shrink or grow, with no name.</summary>
    public static SegmentMapping CreateAnonymous<T>(SegmentDefinition definition, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return SealedSegments.Create(definition, options, initializePayload: null);
    }

    /// <summary>CreateAnonymous for a payload whose size the caller verified (queues), initialized by <paramref name="initializePayload"/>.</summary>
    internal static SegmentMapping CreateAnonymous(SegmentDefinition definition, SegmentOptions? options, PayloadInitializer? initializePayload) =>
        SealedSegments.Create(definition, options, initializePayload);

    /// <summary>Receives an anonymous sealed segment sent with <see cref="SendTo"/>, checking it before mapping it read-write.</summary>
    public static SegmentMapping ReceiveFrom<T>(SegmentDefinition definition, Socket socket, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return SealedSegments.Receive(definition, socket, options, readOnly: false);
    }

    /// <summary>ReceiveFrom for a payload whose size the caller verified (queues).</summary>
    internal static SegmentMapping ReceiveFrom(SegmentDefinition definition, Socket socket, SegmentOptions? options) =>
        SealedSegments.Receive(definition, socket, options, readOnly: false);

    /// <summary>Receives an anonymous sealed segment (read-only or not) and maps it PROT_READ.</summary>
    public static SegmentMapping ReceiveReadOnlyFrom<T>(SegmentDefinition definition, Socket socket, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return SealedSegments.Receive(definition, socket, options, readOnly: true);
    }

    /// <summary>Passes this anonymous segment's descriptor over a Unix domain socket (SCM_RIGHTS).</summary>
    public void SendTo(Socket socket) => SealedSegments.Send(this, socket, readOnly: false);

    /// <summary>Passes an O_RDONLY descriptor of this anonymous segment: the receiver can map it only PROT_READ.</summary>
    public void SendReadOnlyTo(Socket socket) => SealedSegments.Send(this, socket, readOnly: true);
}
