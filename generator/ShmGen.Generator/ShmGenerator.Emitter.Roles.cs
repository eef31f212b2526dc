using ShmGen.Contract;
using ShmGen.Generator.Model;

namespace ShmGen.Generator;

public sealed partial class ShmGenerator
{
    internal static partial class Emitter
    {
        /// <summary>The access-role members of a segment: the read-only view, and anonymous sealed segments.</summary>
        private static void EmitSegmentAccessRoles(SourceWriter writer, SegmentSpec spec)
        {
            var type = spec.Type.FullyQualifiedTypeName;
            var segment = spec.Type.TypeName + ShmContract.SegmentSuffix;
            writer.Lines($$"""
                /// <summary>
                /// Attaches read-only: an O_RDONLY descriptor and a PROT_READ mapping, so read permission on the file is
                /// enough (for example <c>Mode = UserRead | UserWrite | GroupRead</c> for a group of readers). The view
                /// never writes shared memory, the lock included: it reads consistent copies with <c>Snapshot()</c>.
                /// </summary>
                /// <param name="options">Name, mode and timeouts overriding the attribute's.</param>
                /// <returns>The view; dispose it to unmap.</returns>
                public static ReadOnlyView OpenReadOnly({{TypeNames.SegmentOptions}}? options = null) =>
                    new({{TypeNames.SegmentMapping}}.OpenReadOnly<{{type}}>(s_definition, options));

                /// <summary>
                /// Creates an anonymous segment: memory with no name (memfd_create), initialized, then sealed so that no
                /// holder can shrink or grow it. Hand it to peers with <see cref="SendTo"/> or <see cref="SendReadOnlyTo"/>;
                /// the kernel frees it when the last holder is gone. <c>shmgen</c> cannot list it, and <see cref="Unlink"/>
                /// does nothing.
                /// </summary>
                /// <param name="options">The name (a label only: <see cref="Name"/> shows it) and timeouts.</param>
                public static {{segment}} CreateAnonymous({{TypeNames.SegmentOptions}}? options = null) =>
                    new({{TypeNames.SegmentMapping}}.CreateAnonymous<{{type}}>(s_definition, options));

                /// <summary>
                /// Receives an anonymous segment sent with <see cref="SendTo"/> over a Unix domain socket. The descriptor's
                /// seals, access mode, size and header are checked before it is mapped; one that could be shrunk, or a
                /// read-only one, is <see cref="global::System.UnauthorizedAccessException"/>. Blocks up to the socket's ReceiveTimeout (0: forever).
                /// </summary>
                /// <param name="socket">A connected Unix domain socket.</param>
                /// <param name="options">The name used in messages, and timeouts.</param>
                public static {{segment}} ReceiveFrom({{TypeNames.Socket}} socket, {{TypeNames.SegmentOptions}}? options = null) =>
                    new({{TypeNames.SegmentMapping}}.ReceiveFrom<{{type}}>(s_definition, socket, options));

                /// <summary>Receives an anonymous segment (sent with <see cref="SendTo"/> or <see cref="SendReadOnlyTo"/>) as a read-only view, after the same checks as <see cref="ReceiveFrom"/>.</summary>
                /// <param name="socket">A connected Unix domain socket.</param>
                /// <param name="options">The name used in messages, and timeouts.</param>
                public static ReadOnlyView ReceiveReadOnlyFrom({{TypeNames.Socket}} socket, {{TypeNames.SegmentOptions}}? options = null) =>
                    new({{TypeNames.SegmentMapping}}.ReceiveReadOnlyFrom<{{type}}>(s_definition, socket, options));

                /// <summary>Passes this anonymous segment's descriptor over a Unix domain socket (SCM_RIGHTS): the receiver can read and write it, never resize it.</summary>
                /// <param name="socket">A connected Unix domain socket.</param>
                public void SendTo({{TypeNames.Socket}} socket) => _mapping.SendTo(socket);

                /// <summary>Passes a read-only descriptor of this anonymous segment (reopened O_RDONLY): the receiver can only map it PROT_READ.</summary>
                /// <param name="socket">A connected Unix domain socket.</param>
                public void SendReadOnlyTo({{TypeNames.Socket}} socket) => _mapping.SendReadOnlyTo(socket);

                /// <summary>A read-only mapping of the segment: <see cref="Data"/> cannot be written (a compile error, and a PROT_READ mapping underneath).</summary>
                public sealed class ReadOnlyView : {{TypeNames.IDisposable}}
                {
                    private readonly {{TypeNames.SegmentMapping}} _mapping;

                    internal ReadOnlyView({{TypeNames.SegmentMapping}} mapping) => _mapping = mapping;

                    /// <summary>The POSIX name without the leading '/' (for an anonymous segment, what it is).</summary>
                    public string Name => _mapping.Name;

                    /// <summary>The shared data, unsynchronized: a read may see a writer's update half done. <see cref="Snapshot"/> reads a consistent copy.</summary>
                    public ref readonly {{type}} Data => ref _mapping.GetPayload<{{type}}>();

                    /// <summary>A consistent copy of the data (a sequence lock that writes nothing), waiting at most <see cref="global::ShmGen.SegmentOptions.LockTimeout"/> for a writer mid-update, then <see cref="global::System.TimeoutException"/>.</summary>
                    /// <returns>The copy.</returns>
                    public {{type}} Snapshot() => _mapping.Snapshot<{{type}}>();

                    /// <summary>A consistent copy of the data, if one can be had within <paramref name="timeout"/>.</summary>
                    /// <param name="value">The copy, or <see langword="default"/>.</param>
                    /// <param name="timeout">How long a writer may stay mid-update.</param>
                    /// <returns>Whether <paramref name="value"/> is a consistent copy.</returns>
                    public bool TrySnapshot(out {{type}} value, {{TypeNames.TimeSpan}} timeout) => _mapping.TrySnapshot(out value, timeout);

                    /// <summary>Unmaps the view. Idempotent.</summary>
                    public void Dispose() => _mapping.Dispose();
                }
                """);
        }

        /// <summary>The access-role members of a queue: anonymous sealed queues.</summary>
        private static void EmitQueueAccessRoles(SourceWriter writer, QueueSpec spec)
        {
            var queue = spec.Type.TypeName + ShmContract.QueueSuffix;
            var ring = $"{TypeNames.QueueRing}<{spec.Type.FullyQualifiedTypeName}>";
            writer.Lines($$"""
                /// <summary>
                /// Creates an anonymous queue: memory with no name (memfd_create), sealed so that no holder can shrink or
                /// grow it. Hand it to peers with <see cref="SendTo"/>; the kernel frees it when the last holder is gone.
                /// <c>shmgen</c> cannot list it, and <see cref="Unlink"/> does nothing.
                /// </summary>
                /// <param name="options">The name (a label only: <see cref="Name"/> shows it).</param>
                public static {{queue}} CreateAnonymous({{TypeNames.SegmentOptions}}? options = null) =>
                    new({{ring}}.CreateAnonymous(s_definition, options));

                /// <summary>
                /// Receives an anonymous queue sent with <see cref="SendTo"/> over a Unix domain socket, checking the
                /// descriptor's seals, access mode, size and header before mapping it. Blocks up to the socket's ReceiveTimeout (0: forever).
                /// </summary>
                /// <param name="socket">A connected Unix domain socket.</param>
                /// <param name="options">The name used in messages.</param>
                public static {{queue}} ReceiveFrom({{TypeNames.Socket}} socket, {{TypeNames.SegmentOptions}}? options = null) =>
                    new({{ring}}.ReceiveFrom(s_definition, socket, options));

                /// <summary>Passes this anonymous queue's descriptor over a Unix domain socket (SCM_RIGHTS).</summary>
                /// <param name="socket">A connected Unix domain socket.</param>
                public void SendTo({{TypeNames.Socket}} socket) => _ring.SendTo(socket);
                """);
        }
    }
}
