using System;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using ShmGen.Native;
using ShmGen.Runtime.Files;
using ShmGen.Runtime.Locking;

namespace ShmGen.Runtime;

/// <summary>
/// Attaching to an existing segment: owner, mode and type checked on the descriptor, the creator's exclusive flock
/// waited out (bounded by <see cref="SegmentOptions.OpenTimeout"/>), the size read under the shared flock, and the
/// header validated before anything in it is trusted. An attach that fails never unlinks or truncates anything.
/// </summary>
internal static unsafe class SegmentAttach
{
    private const int MaxRetryDelayMs = 10;

    /// <param name="definition">What this build expects.</param>
    /// <param name="name">The validated name.</param>
    /// <param name="options">Mode and timeouts.</param>
    /// <param name="readOnly">A read-only view: O_RDONLY, PROT_READ, and group/other read bits count as asked for.</param>
    public static SegmentMapping Open(SegmentDefinition definition, string name, SegmentOptions options, bool readOnly = false)
    {
        var expectedMode = (ushort)(options.Mode ?? definition.Mode);
        var deadline = Deadline.After(options.OpenTimeout, "options.OpenTimeout");
        var delayMs = 1;
        while (true)
        {
            using (var file = ShmFile.OpenExisting(name, readOnly))
            {
                ShmFile.Check(file, name, expectedMode, reader: readOnly);
                if (!ShmFile.Flock(file, LibC.LOCK_SH | LibC.LOCK_NB))
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != Errno.EWOULDBLOCK)
                    {
                        throw SegmentErrors.FromErrno(name, "flock", errno);
                    }

                    // The creator holds LOCK_EX: it is alive and still initializing.
                    if (Deadline.HasPassed(deadline))
                    {
                        throw new SegmentNotInitializedException(
                            name,
                            $"Shared memory segment '/{name}' is still being initialized by its creator after {options.OpenTimeout} (SegmentOptions.OpenTimeout).");
                    }
                }
                else
                {
                    // Sizes are read under LOCK_SH: no creator is between O_EXCL and posix_fallocate any more, except
                    // one that has not taken its LOCK_EX yet, which leaves the file empty.
                    var st = ShmFile.Stat(file, name);
                    var size = (long)st.st_size;
                    if (size == 0 && !Deadline.HasPassed(deadline))
                    {
                        // A creator between O_EXCL and its LOCK_EX; look again.
                    }
                    else if (size == 0)
                    {
                        throw new SegmentNotInitializedException(
                            name, $"Shared memory segment '/{name}' is empty: its creator never initialized it (waited {options.OpenTimeout}).");
                    }
                    else
                    {
                        return definition.Format == SegmentFormat.Raw
                            ? AttachRaw(definition, name, file, size, FileId.Of(st), options)
                            : Attach(definition, name, file, size, FileId.Of(st), options, readOnly);
                    }
                }
            }

            Thread.Sleep(delayMs);
            delayMs = Math.Min(delayMs * 2, MaxRetryDelayMs);
        }
    }

    private static SegmentMapping Attach(SegmentDefinition definition, string name, SafeFileHandle file, long size, FileId id, SegmentOptions options, bool readOnly)
    {
        if (size < SegmentHeader.Size)
        {
            throw new SegmentCorruptedException(
                name, $"Shared memory segment '/{name}' is {size} bytes, smaller than the {SegmentHeader.Size}-byte ShmGen header: truncated, or not a ShmGen segment.");
        }

        // Never map past st_size: touching a page beyond the end of the file is a SIGBUS.
        var length = (nuint)size;
        var mapping = ShmFile.Map(file, length, name, writable: !readOnly);
        var problem = SegmentValidation.Validate((SegmentHeader*)mapping, size, definition, name);
        if (problem is not null)
        {
            ShmFile.Unmap(mapping, length);
            throw problem is SegmentNotInitializedException notInitialized
                ? new StaleSegmentException(notInitialized, id)
                : problem;
        }

        SafeFileHandle? sizeWatch = null;
        try
        {
            sizeWatch = readOnly ? null : ShmFile.Duplicate(file, name);
        }
        catch
        {
            ShmFile.Unmap(mapping, length);
            throw;
        }

        var segmentLock = new HeaderLock(&((SegmentHeader*)mapping)->Lock, name, id, sizeWatch, size);
        return new SegmentMapping(definition, name, mapping, length, id, isCreator: false, options.LockTimeout, segmentLock, readOnly);
    }

    /// <summary>A Raw segment has no header: the size is all there is to validate.</summary>
    private static SegmentMapping AttachRaw(SegmentDefinition definition, string name, SafeFileHandle file, long size, FileId id, SegmentOptions options)
    {
        if (size != definition.PayloadSize)
        {
            throw new SegmentCorruptedException(
                name,
                $"Raw shared memory segment '/{name}' is {size} bytes, but {definition.TypeName} is {definition.PayloadSize} bytes: " +
                "the peer that created it disagrees about the struct (compare its C declaration with the generated CHeader).");
        }

        var mapping = ShmFile.Map(file, (nuint)size, name);
        try
        {
            var semaphore = NamedSemaphoreLock.Attach(name, (ushort)(options.Mode ?? definition.Mode));
            return new SegmentMapping(definition, name, mapping, (nuint)size, id, isCreator: false, options.LockTimeout, new SemaphoreLock(semaphore, name, id));
        }
        catch
        {
            ShmFile.Unmap(mapping, (nuint)size);
            throw;
        }
    }
}

/// <summary>A segment whose creator died before publishing it: Open reports it, OpenOrCreate reclaims it.</summary>
internal sealed class StaleSegmentException(SegmentNotInitializedException @public, FileId file) : Exception(@public.Message)
{
    public SegmentNotInitializedException Public { get; } = @public;

    public FileId File { get; } = file;
}
