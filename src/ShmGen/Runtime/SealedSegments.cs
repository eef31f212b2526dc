using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using ShmGen.Native;
using ShmGen.Runtime.Files;
using ShmGen.Runtime.Locking;
using static Tmds.Linux.LibC;

namespace ShmGen.Runtime;

/// <summary>
/// Anonymous sealed segments (docs/architecture.md, "Access roles"): a memfd with no name, sized and initialized
/// like a named segment, then sealed against shrinking and growing, and handed to peers over a Unix domain socket. A
/// receiver checks the descriptor (a memfd carrying the seals, the access mode it needs, the size, the header read with
/// pread) before it maps anything, so a peer that sends something else gets an exception, never a SIGBUS later.
/// </summary>
internal static unsafe class SealedSegments
{
    /// <summary>The memfd's mode: owner read only. The creator maps through the descriptor it already has; the mode
    /// only decides who may open the file again through /proc/PID/fd, and a holder of a read-only descriptor of
    /// another user must not get write access that way.</summary>
    private const ushort ReopenMode = 0x100; // 0400

    /// <summary>What <c>Name</c> says for an anonymous segment: there is no /dev/shm name, and shmgen cannot list it.</summary>
    public static string DisplayName(string name) => $"memfd:{name} (anonymous, sealed)";

    public static SegmentMapping Create(SegmentDefinition definition, SegmentOptions? options, PayloadInitializer? initializePayload)
    {
        var name = SegmentNames.Resolve(definition, options);
        RequireStandard(definition, name);
        options ??= SegmentOptions.Default;
        var display = DisplayName(name);

        // memfd names are limited to 249 bytes; the name is only a label in /proc/PID/fd and /proc/PID/maps.
        var fd = MemoryFiles.Create(name.Length > 249 ? name[..249] : name);
        if (fd < 0)
        {
            throw SegmentErrors.FromErrno(display, "memfd_create", Marshal.GetLastPInvokeError());
        }

        var file = new SafeFileHandle(fd, ownsHandle: true);
        var total = (nuint)SegmentValidation.TotalSize(definition.PayloadSize);
        byte* mapping = null;
        try
        {
            ShmFile.Check(fchmod(fd, ReopenMode), display, "fchmod");
            var reserved = posix_fallocate(fd, 0, (long)total);
            if (reserved != 0)
            {
                throw SegmentErrors.FromErrno(display, "posix_fallocate", reserved);
            }

            mapping = ShmFile.Map(file, total, display);
            var id = FileId.Of(ShmFile.Stat(file, display));
            SegmentCreation.InitializeHeader((SegmentHeader*)mapping, definition, total, initializePayload);
            if (MemoryFiles.AddSeals(fd, MemoryFiles.RequiredSeals) != 0)
            {
                throw SegmentErrors.FromErrno(display, "fcntl(F_ADD_SEALS)", Marshal.GetLastPInvokeError());
            }

            var segmentLock = new HeaderLock(&((SegmentHeader*)mapping)->Lock, display, id);
            return new SegmentMapping(definition, display, mapping, total, id, isCreator: true, options.LockTimeout, segmentLock, descriptor: file);
        }
        catch
        {
            if (mapping != null)
            {
                ShmFile.Unmap(mapping, total);
            }

            file.Dispose();
            throw;
        }
    }

    /// <summary>Sends the segment's descriptor, or (<paramref name="readOnly"/>) a new O_RDONLY one of the same memory.</summary>
    public static void Send(SegmentMapping mapping, Socket socket, bool readOnly)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var descriptor = mapping.Descriptor ?? throw new InvalidOperationException(
            $"Shared memory segment '/{mapping.Name}' has a name in /dev/shm: peers open it by name. Only a segment made by CreateAnonymous (or received) can be sent.");
        mapping.AddReference();
        try
        {
            var fd = ShmFile.Fd(descriptor);
            if (!readOnly)
            {
                ThrowIfFailed(DescriptorPassing.Send(socket, fd), mapping.Name, "sendmsg(SCM_RIGHTS)");
                return;
            }

            var readOnlyFd = MemoryFiles.ReopenReadOnly(fd);
            if (readOnlyFd < 0)
            {
                throw SegmentErrors.FromErrno(mapping.Name, "open(/proc/self/fd, O_RDONLY)", Marshal.GetLastPInvokeError());
            }

            using var readOnlyFile = new SafeFileHandle(readOnlyFd, ownsHandle: true);
            ThrowIfFailed(DescriptorPassing.Send(socket, readOnlyFd), mapping.Name, "sendmsg(SCM_RIGHTS)");
        }
        finally
        {
            mapping.ReleaseReference();
        }
    }

    /// <summary>Receives a descriptor and maps it after checking it; <paramref name="readOnly"/> maps PROT_READ.</summary>
    public static SegmentMapping Receive(SegmentDefinition definition, Socket socket, SegmentOptions? options, bool readOnly)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var name = SegmentNames.Resolve(definition, options);
        RequireStandard(definition, name);
        options ??= SegmentOptions.Default;
        var display = DisplayName(name);
        var received = DescriptorPassing.Receive(socket, out var fd);
        switch (received)
        {
            case 0:
                break;
            case Errno.ENOENT:
                throw new SharedSegmentException(display, $"The peer closed the socket before it sent shared memory segment '/{display}'.");
            case Errno.EBADMSG:
                throw new UnauthorizedAccessException(
                    $"The message received for shared memory segment '/{display}' did not carry exactly one descriptor; nothing was mapped.");
            case Errno.ETIMEDOUT:
                throw new TimeoutException($"No shared memory segment '/{display}' arrived within the socket's ReceiveTimeout.");
            default:
                throw SegmentErrors.FromErrno(display, "recvmsg", received);
        }

        var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            return Map(definition, display, file, options, readOnly);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static SegmentMapping Map(SegmentDefinition definition, string display, SafeFileHandle file, SegmentOptions options, bool readOnly)
    {
        var fd = ShmFile.Fd(file);
        var st = ShmFile.Stat(file, display);
        if (((ushort)st.st_mode & 0xF000) != 0x8000)
        {
            throw Refused(display, "it is not a regular file");
        }

        var seals = MemoryFiles.GetSeals(fd);
        if (seals < 0 || (seals & MemoryFiles.RequiredSeals) != MemoryFiles.RequiredSeals)
        {
            throw Refused(
                display,
                seals < 0
                    ? "it cannot be sealed (not a memfd), so the sender or anyone it shares it with could shrink it under this mapping"
                    : $"it lacks the seals F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL (it has 0x{seals:X}), so it could be shrunk under this mapping");
        }

        var access = MemoryFiles.AccessMode(fd);
        if (access != O_RDWR && !(readOnly && access == O_RDONLY))
        {
            throw Refused(
                display,
                access == O_RDONLY
                    ? "it is a read-only descriptor (the sender used SendReadOnlyTo): receive it with ReceiveReadOnlyFrom"
                    : "its access mode does not allow mapping it");
        }

        var size = (long)st.st_size;
        if (size < SegmentHeader.Size)
        {
            throw new SegmentCorruptedException(
                display, $"Shared memory segment '/{display}' is {size} bytes, smaller than the {SegmentHeader.Size}-byte ShmGen header: not a ShmGen segment.");
        }

        // The header is read with pread into our own memory and checked before anything is mapped; the size it is
        // checked against cannot change any more (sealed).
        var header = default(SegmentHeader);
        if (!MemoryFiles.ReadStart(fd, (byte*)&header, SegmentHeader.Size))
        {
            throw SegmentErrors.FromErrno(display, "pread", Marshal.GetLastPInvokeError());
        }

        var problem = SegmentValidation.Validate(&header, size, definition, display);
        if (problem is not null)
        {
            throw problem;
        }

        var length = (nuint)size;
        var mapping = ShmFile.Map(file, length, display, writable: !readOnly);
        var id = FileId.Of(st);
        var segmentLock = new HeaderLock(&((SegmentHeader*)mapping)->Lock, display, id);
        return new SegmentMapping(definition, display, mapping, length, id, isCreator: false, options.LockTimeout, segmentLock, readOnly, file);
    }

    private static void RequireStandard(SegmentDefinition definition, string name)
    {
        if (definition.Format == SegmentFormat.Raw)
        {
            throw new NotSupportedException(
                $"Shared memory segment '/{name}' is in the Raw format, whose lock is a named semaphore: an anonymous segment has no name to derive it from. Use the Standard format.");
        }
    }

    private static UnauthorizedAccessException Refused(string display, string why) =>
        new($"Refusing the descriptor received for shared memory segment '/{display}': {why}. Nothing was mapped.");

    private static void ThrowIfFailed(int errno, string display, string call)
    {
        if (errno == Errno.ETIMEDOUT)
        {
            throw new TimeoutException($"Sending shared memory segment '/{display}' timed out (the socket's SendTimeout).");
        }

        if (errno != 0)
        {
            throw SegmentErrors.FromErrno(display, call, errno);
        }
    }
}
