using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ShmGen.Native;
using ShmGen.Runtime.Files;
using ShmGen.Runtime.Locking;
using static Tmds.Linux.LibC;

namespace ShmGen.Runtime;

/// <summary>
/// Creating a segment: O_CREAT|O_EXCL|O_NOFOLLOW with an owner-only mode, an exclusive flock held until the header is
/// published (openers wait for it; one that gets its shared flock while the state word still says "initializing" knows
/// the creator died), fchmod to the exact mode (the umask never changes it), posix_fallocate (ENOSPC now, not SIGBUS
/// later), the header, then the release store of Ready. A create that fails removes only what it created.
/// </summary>
internal static unsafe class SegmentCreation
{
    public static SegmentMapping Create(SegmentDefinition definition, string name, SegmentOptions options, PayloadInitializer? initializePayload)
    {
        var mode = (ushort)(options.Mode ?? definition.Mode);
        var path = ShmFile.PathBytes(name);
        int fd;
        fixed (byte* p = path)
        {
            // Owner-only until fchmod applies the exact mode.
            fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (ushort)(mode & 0x180));
        }

        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == Errno.EEXIST
                ? new SegmentAlreadyExistsException(name, $"Shared memory segment '/{name}' already exists; Create requires a new name (use Open or OpenOrCreate to attach).", errno)
                : SegmentErrors.FromErrno(name, "shm_open(O_CREAT|O_EXCL)", errno);
        }

        using var file = new SafeFileHandle(fd, ownsHandle: true);
        byte* mapping = null;
        var raw = definition.Format == SegmentFormat.Raw;
        var total = raw ? (nuint)definition.PayloadSize : (nuint)SegmentValidation.TotalSize(definition.PayloadSize);
        SemaphoreHandle? semaphore = null;
        SegmentLock? segmentLock = null;
        try
        {
            if (!ShmFile.Flock(file, LibC.LOCK_EX))
            {
                throw SegmentErrors.FromErrno(name, "flock", Marshal.GetLastPInvokeError());
            }

            if (!raw)
            {
                // The first bytes written name the file as ShmGen's, before anything can fail: a leftover of this
                // creator's death is then provably ours to reclaim, and a file without them never is.
                WriteMarker(file, name);
            }

            ShmFile.Check(fchmod(fd, mode), name, "fchmod");
            var reserved = posix_fallocate(fd, 0, (long)total);
            if (reserved != 0)
            {
                throw SegmentErrors.FromErrno(name, "posix_fallocate", reserved);
            }

            mapping = ShmFile.Map(file, total, name);
            var id = FileId.Of(ShmFile.Stat(file, name));
            if (raw)
            {
                // Raw: the payload alone, zeroed by posix_fallocate; the lock is the named semaphore.
                semaphore = NamedSemaphoreLock.Create(name, mode);
                segmentLock = new SemaphoreLock(semaphore, name, id);
            }
            else
            {
                InitializeHeader((SegmentHeader*)mapping, definition, total, initializePayload);
                segmentLock = new HeaderLock(&((SegmentHeader*)mapping)->Lock, name, id, ShmFile.Duplicate(file, name), (long)total);
            }

            // Downgrade to the shared lock every user holds: flock belongs to the open file description, which the
            // mapping keeps alive after close(fd), so the kernel drops it only when this process unmaps or dies.
            // LOCK_EX succeeding therefore proves that no process maps the segment (what gc and reclaim rely on).
            if (!ShmFile.Flock(file, LibC.LOCK_SH))
            {
                throw SegmentErrors.FromErrno(name, "flock", Marshal.GetLastPInvokeError());
            }

            return new SegmentMapping(definition, name, mapping, total, id, isCreator: true, options.LockTimeout, segmentLock);
        }
        catch
        {
            if (mapping != null)
            {
                ShmFile.Unmap(mapping, total);
            }

            // Only the semaphore file this create made is removed (a foreign one that failed the checks stays).
            if (semaphore is not null)
            {
                NamedSemaphoreLock.Unlink(name, semaphore);
            }

            if (segmentLock is not null)
            {
                segmentLock.Dispose();
            }
            else
            {
                semaphore?.Dispose();
            }

            // The name is ours (we created it and hold LOCK_EX), so removing it cannot touch anyone else's segment.
            ShmFile.UnlinkOwnNewName(name);
            throw;
        }
    }

    private static void WriteMarker(SafeFileHandle file, string name)
    {
        SegmentHeader marker = default;
        marker.Magic = SegmentHeader.ExpectedMagic;
        marker.Version = SegmentHeader.CurrentVersion;
        marker.State = SegmentState.Initializing;
        marker.CreatorPid = Environment.ProcessId;
        marker.CreatorStartTime = ProcessIdentity.CurrentStartTime;
        const int prefix = 64; // magic .. creator start time: everything before the lock block
        if (pwrite(ShmFile.Fd(file), &marker, prefix, 0) != prefix)
        {
            throw SegmentErrors.FromErrno(name, "pwrite", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Writes a new Standard segment's header and payload, ending with the release store of Ready.</summary>
    internal static void InitializeHeader(SegmentHeader* header, SegmentDefinition definition, nuint total, PayloadInitializer? initializePayload)
    {
        header->Magic = SegmentHeader.ExpectedMagic;
        header->Version = SegmentHeader.CurrentVersion;
        header->Fingerprint = definition.LayoutFingerprint;
        header->PayloadOffset = SegmentHeader.Size;
        header->PayloadSize = (ulong)definition.PayloadSize;
        header->TotalSize = total;
        header->CreatorPid = Environment.ProcessId;
        header->CreatorStartTime = ProcessIdentity.CurrentStartTime;
        header->Kind = (uint)definition.Kind;
        header->TypeNameLength = (uint)WriteBounded(definition.TypeName, new Span<byte>(header->TypeName, SegmentHeader.TypeNameCapacity));
        header->DescriptionLength = (uint)WriteBounded(definition.LayoutDescription, new Span<byte>(header->Description, SegmentHeader.DescriptionCapacity));

        // The lock block is zero (free, sequence 0) as posix_fallocate left it.
        initializePayload?.Invoke((byte*)header + SegmentHeader.Size);

        // Release store: an opener that reads Ready also sees every write above.
        Volatile.Write(ref header->State, SegmentState.Ready);
    }

    private static int WriteBounded(string text, Span<byte> destination)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var length = Math.Min(bytes.Length, destination.Length);
        bytes.AsSpan(0, length).CopyTo(destination);
        return length;
    }
}
