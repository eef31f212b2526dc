using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using ShmGen.Layout;
using ShmGen.Native;
using static Tmds.Linux.LibC;

namespace ShmGen.Runtime;

/// <summary>Restores a payload's invariants after a lock holder died mid-update (the struct's <c>OnLockAbandoned</c>).</summary>
/// <typeparam name="T">The payload type.</typeparam>
/// <param name="data">The payload, with the lock held.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void LockRepair<T>(ref T data)
    where T : unmanaged;

/// <summary>Writes a new segment's initial payload (zero-filled before the call) before the header says Ready.</summary>
/// <param name="payload">The start of the payload.</param>
internal unsafe delegate void PayloadInitializer(byte* payload);

/// <summary>
/// One mapping of a Standard segment: creation (O_CREAT|O_EXCL, fchmod, posix_fallocate, header, publish), attach
/// (permission, size and header validation before anything is trusted), the robust lock, unlink and unmap. Every
/// generated segment and queue type delegates here, so this machinery exists, and is tested, once.
/// Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class SegmentMapping : IDisposable
{
    /// <summary>Where Linux mounts the tmpfs behind POSIX shared memory (glibc's shm_open opens files here).</summary>
    internal const string ShmDirectory = "/dev/shm/";

    private const int MaxOpenRetryDelayMs = 10;

    private readonly SegmentDefinition _definition;
    private readonly ulong _device;
    private readonly ulong _inode;
    private byte* _base;
    private readonly nuint _length;
    private readonly int _payloadOffset;

    /// <summary>The Raw format's named semaphore; null for Standard segments, whose lock is in the header.</summary>
    private void* _semaphore;
    private int _semaphoreHolder;
    private bool _lockHeld;
    private bool _disposeRequested;

    private SegmentMapping(SegmentDefinition definition, string name, byte* mapping, nuint length, ulong device, ulong inode, bool isCreator, TimeSpan lockTimeout, void* semaphore)
    {
        _definition = definition;
        Name = name;
        _base = mapping;
        _length = length;
        _semaphore = semaphore;
        _payloadOffset = definition.Format == SegmentFormat.Raw ? 0 : SegmentHeader.Size;
        _device = device;
        _inode = inode;
        IsCreator = isCreator;
        DefaultLockTimeout = lockTimeout;
    }

    /// <summary>The POSIX name, without the leading '/'.</summary>
    public string Name { get; }

    /// <summary>Whether this mapping created the segment (as opposed to attaching to an existing one).</summary>
    public bool IsCreator { get; }

    /// <summary>The timeout <c>Lock()</c> uses without an argument (<see cref="SegmentOptions.LockTimeout"/>).</summary>
    public TimeSpan DefaultLockTimeout { get; }

    /// <summary>The start of the payload. Valid until <see cref="Dispose"/>.</summary>
    public byte* Payload
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Mapped + _payloadOffset;
    }

    /// <summary>The payload as a typed reference (no copy). Valid until <see cref="Dispose"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T GetPayload<T>()
        where T : unmanaged => ref Unsafe.AsRef<T>(Payload);

    /// <summary>Creates a new segment; fails with <see cref="SegmentAlreadyExistsException"/> if the name exists.</summary>
    public static SegmentMapping Create<T>(SegmentDefinition definition, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return Create(definition, options, initializePayload: null);
    }

    /// <summary>
    /// Creates a new segment whose payload size the caller verified; <paramref name="initializePayload"/> runs on the
    /// zero-filled payload before the header is published, so no opener sees it half initialized.
    /// </summary>
    internal static SegmentMapping Create(SegmentDefinition definition, SegmentOptions? options, PayloadInitializer? initializePayload)
    {
        var name = ResolveName(definition, options);
        return CreateCore(definition, name, options ?? DefaultOptions, initializePayload);
    }

    /// <summary>Attaches to an existing segment, validating permissions, size and header first.</summary>
    public static SegmentMapping Open<T>(SegmentDefinition definition, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return Open(definition, options);
    }

    /// <summary>Attaches to an existing segment whose payload size the caller verified.</summary>
    internal static SegmentMapping Open(SegmentDefinition definition, SegmentOptions? options)
    {
        var name = ResolveName(definition, options);
        try
        {
            return OpenCore(definition, name, options ?? DefaultOptions);
        }
        catch (StaleSegmentException stale)
        {
            throw stale.Public;
        }
    }

    /// <summary>
    /// Creates the segment or attaches to it; between processes exactly one wins the creation. A leftover whose creator
    /// provably died before finishing initialization is removed and recreated; a live or initialized segment never is.
    /// </summary>
    public static SegmentMapping OpenOrCreate<T>(SegmentDefinition definition, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return OpenOrCreate(definition, options, initializePayload: null);
    }

    /// <summary>OpenOrCreate for a payload whose size the caller verified, initialized as in <see cref="Create(SegmentDefinition, SegmentOptions?, PayloadInitializer?)"/>.</summary>
    internal static SegmentMapping OpenOrCreate(SegmentDefinition definition, SegmentOptions? options, PayloadInitializer? initializePayload)
    {
        var name = ResolveName(definition, options);
        options ??= DefaultOptions;
        var deadline = Deadline.After(options.OpenTimeout);
        while (true)
        {
            try
            {
                return CreateCore(definition, name, options, initializePayload);
            }
            catch (SegmentAlreadyExistsException)
            {
            }

            try
            {
                return OpenCore(definition, name, options);
            }
            catch (SegmentNotFoundException) when (Stopwatch.GetTimestamp() < deadline)
            {
                // Unlinked between our O_EXCL and our open: try creating again.
            }
            catch (StaleSegmentException stale)
            {
                ReclaimStale(name, stale.Device, stale.Inode);
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    throw stale.Public;
                }
            }
        }
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    public static bool TryUnlink(SegmentDefinition definition, SegmentOptions? options)
    {
        var name = ResolveName(definition, options);
        if (definition.Format == SegmentFormat.Raw)
        {
            NamedSemaphoreLock.Unlink(name);
        }

        if (UnlinkPath(name))
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno == Errno.ENOENT)
        {
            return false;
        }

        throw SegmentErrors.FromErrno(name, "shm_unlink", errno);
    }

    /// <summary>
    /// Removes the name so no new process can open it; this and other mappings stay valid until disposed. Does nothing
    /// if the name is gone or now names a different segment (never removes someone else's).
    /// </summary>
    public void Unlink()
    {
        var path = PathBytes(Name);
        Tmds.Linux.stat current;
        fixed (byte* p = path)
        {
            if (lstat(p, &current) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.ENOENT)
                {
                    return;
                }

                throw SegmentErrors.FromErrno(Name, "stat", errno);
            }

            if ((ulong)current.st_dev != _device || (ulong)current.st_ino != _inode)
            {
                return;
            }

            if (unlink(p) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.ENOENT)
                {
                    throw SegmentErrors.FromErrno(Name, "shm_unlink", errno);
                }
            }

            if (_definition.Format == SegmentFormat.Raw)
            {
                NamedSemaphoreLock.Unlink(Name);
            }
        }
    }

    /// <summary>Takes the lock within <paramref name="timeout"/>, running <paramref name="repair"/> first if the
    /// previous holder died; <see langword="false"/> when the time ran out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryLock<T>(TimeSpan timeout, LockRepair<T>? repair, out bool abandoned)
        where T : unmanaged
    {
        if (_semaphore != null)
        {
            abandoned = false;
            return TryLockSemaphore(timeout);
        }

        var acquisition = RobustLock.Acquire(LockPointer, timeout, Name);
        if (acquisition == LockAcquisition.Acquired)
        {
            _lockHeld = true;
            abandoned = false;
            return true;
        }

        abandoned = acquisition == LockAcquisition.AcquiredAbandoned;
        if (!abandoned)
        {
            return false;
        }

        _lockHeld = true;
        RecoverAbandoned(repair);
        return true;
    }

    /// <summary>Takes the lock, throwing <see cref="TimeoutException"/> when <paramref name="timeout"/> runs out.</summary>
    public void Lock<T>(TimeSpan timeout, LockRepair<T>? repair, out bool abandoned)
        where T : unmanaged
    {
        if (!TryLock(timeout, repair, out abandoned))
        {
            throw new TimeoutException(
                $"Timed out after {timeout} waiting for the lock of shared memory segment '/{Name}'" +
                OwnerSuffix() + ".");
        }
    }

    /// <summary>Releases the lock taken by <see cref="TryLock{T}"/> (called by the generated Guard's Dispose).</summary>
    public void ReleaseLock()
    {
        // Not LockPointer: a Dispose inside the guard's scope is deferred, and the mapping is still there.
        var mapping = _base;
        if (mapping == null)
        {
            ThrowDisposed();
        }

        if (_semaphore != null)
        {
            if (_semaphoreHolder != Environment.CurrentManagedThreadId)
            {
                throw SegmentErrors.NotLockHolder(Name);
            }

            _semaphoreHolder = 0;
            NamedSemaphoreLock.Release(_semaphore, Name);
        }
        else
        {
            RobustLock.Release(((SegmentHeader*)mapping)->Lock, Name);
        }

        _lockHeld = false;
        if (_disposeRequested)
        {
            Unmap();
        }
    }

    /// <summary>Unmaps the segment (deferred until the lock is released if this mapping holds it). Idempotent; never
    /// unlinks.</summary>
    public void Dispose()
    {
        _disposeRequested = true;
        if (!_lockHeld)
        {
            Unmap();
        }
    }

    /// <summary>The start of the mapping, or ObjectDisposedException once Dispose was asked for.</summary>
    private byte* Mapped
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var mapping = _base;
            if (mapping == null || _disposeRequested)
            {
                ThrowDisposed();
            }

            return mapping;
        }
    }

    private void* LockPointer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ((SegmentHeader*)Mapped)->Lock;
    }

    private bool TryLockSemaphore(TimeSpan timeout)
    {
        _ = Mapped; // throws once disposed

        // A semaphore has no owner, so relocking on the holding thread would wait forever: refuse it here.
        if (_lockHeld && _semaphoreHolder == Environment.CurrentManagedThreadId)
        {
            throw SegmentErrors.LockRecursion(Name);
        }

        if (!NamedSemaphoreLock.Acquire(_semaphore, timeout, Name))
        {
            return false;
        }

        _semaphoreHolder = Environment.CurrentManagedThreadId;
        _lockHeld = true;
        return true;
    }

    private void RecoverAbandoned<T>(LockRepair<T>? repair)
        where T : unmanaged
    {
        try
        {
            repair?.Invoke(ref GetPayload<T>());
        }
        catch
        {
            // POSIX: unlocking without pthread_mutex_consistent marks the lock not recoverable, so no process ever
            // sees the unrepaired state as consistent.
            _lockHeld = false;
            LibC.pthread_mutex_unlock(LockPointer);
            throw;
        }

        RobustLock.MarkConsistent(LockPointer, Name);
    }

    private string OwnerSuffix()
    {
        if (_semaphore != null)
        {
            return $" (the named semaphore {NamedSemaphoreLock.SemaphoreName(Name)}; a holder that died leaves it taken)";
        }

        var owner = RobustLock.OwnerThreadId(LockPointer);
        return owner == 0 ? string.Empty : $" (held by thread {owner})";
    }

    private void Unmap()
    {
        var mapping = _base;
        if (mapping != null)
        {
            _base = null;
            munmap(mapping, (Tmds.Linux.size_t)(ulong)_length);
            if (_semaphore != null)
            {
                NamedSemaphoreLock.Close(_semaphore);
                _semaphore = null;
            }
        }
    }

    private static readonly SegmentOptions DefaultOptions = new();

    private static string ResolveName(SegmentDefinition definition, SegmentOptions? options)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "ShmGen maps POSIX shared memory through /dev/shm and glibc's robust process-shared mutexes; it runs on Linux only.");
        }

        var name = options?.Name ?? definition.DefaultName;
        var error = SegmentNameRules.GetError(name);
        if (error is not null)
        {
            throw new ArgumentException($"Invalid shared memory segment name '{name}': {error}.", nameof(options));
        }

        return name;
    }

    private static SegmentMapping CreateCore(SegmentDefinition definition, string name, SegmentOptions options, PayloadInitializer? initializePayload)
    {
        var mode = (ushort)(options.Mode ?? definition.Mode);
        var path = PathBytes(name);
        int fd;
        fixed (byte* p = path)
        {
            // Owner-only until fchmod applies the exact mode: the umask never widens or narrows it.
            fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (ushort)(mode & 0x180));
        }

        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == Errno.EEXIST
                ? new SegmentAlreadyExistsException(name, $"Shared memory segment '/{name}' already exists; Create requires a new name (use Open or OpenOrCreate to attach).", errno)
                : SegmentErrors.FromErrno(name, "shm_open(O_CREAT|O_EXCL)", errno);
        }

        byte* mapping = null;
        var raw = definition.Format == SegmentFormat.Raw;
        var total = raw ? (nuint)definition.PayloadSize : (nuint)SegmentValidation.TotalSize(definition.PayloadSize);
        void* semaphore = null;
        try
        {
            // Exclusive until the header is published: openers wait for their LOCK_SH, and one that gets it while the
            // state word still says "initializing" knows this process died.
            CheckCall(LibC.flock(fd, LibC.LOCK_EX), name, "flock");
            CheckCall(fchmod(fd, mode), name, "fchmod");
            var reserved = posix_fallocate(fd, 0, (long)total);
            if (reserved != 0)
            {
                throw SegmentErrors.FromErrno(name, "posix_fallocate", reserved);
            }

            mapping = Map(fd, total, name);
            Tmds.Linux.stat st;
            CheckCall(fstat(fd, &st), name, "fstat");
            if (raw)
            {
                // Raw: the payload alone, zeroed by posix_fallocate; the lock is the named semaphore.
                semaphore = NamedSemaphoreLock.Create(name, mode);
            }
            else
            {
                InitializeHeader((SegmentHeader*)mapping, definition, total, name, initializePayload);
            }

            // Downgrade to the shared lock every user holds: flock belongs to the open file description, which the
            // mapping keeps alive after close(fd), so the kernel drops it only when this process unmaps or dies.
            // LOCK_EX succeeding therefore proves that no process maps the segment (what gc and reclaim rely on).
            CheckCall(LibC.flock(fd, LibC.LOCK_SH), name, "flock");
            close(fd);
            return new SegmentMapping(definition, name, mapping, total, (ulong)st.st_dev, (ulong)st.st_ino, isCreator: true, options.LockTimeout, semaphore);
        }
        catch
        {
            if (mapping != null)
            {
                munmap(mapping, (Tmds.Linux.size_t)(ulong)total);
            }

            if (semaphore != null)
            {
                NamedSemaphoreLock.Close(semaphore);
                NamedSemaphoreLock.Unlink(name);
            }

            // The name is ours (we created it and hold LOCK_EX), so removing it cannot touch anyone else's segment.
            UnlinkPath(name);
            close(fd);
            throw;
        }
    }

    private static void InitializeHeader(SegmentHeader* header, SegmentDefinition definition, nuint total, string name, PayloadInitializer? initializePayload)
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
        RobustLock.Initialize(header->Lock, name);
        initializePayload?.Invoke((byte*)header + SegmentHeader.Size);

        // Release store: an opener that reads Ready also sees every write above.
        Volatile.Write(ref header->State, SegmentState.Ready);
    }

    private static SegmentMapping OpenCore(SegmentDefinition definition, string name, SegmentOptions options)
    {
        var expectedMode = (ushort)(options.Mode ?? definition.Mode);
        var deadline = Deadline.After(options.OpenTimeout);
        var path = PathBytes(name);
        var delayMs = 1;
        while (true)
        {
            int fd;
            fixed (byte* p = path)
            {
                fd = open(p, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
            }

            if (fd < 0)
            {
                throw SegmentErrors.FromErrno(name, "shm_open", Marshal.GetLastPInvokeError());
            }

            try
            {
                var st = StatChecked(fd, name, expectedMode);
                if (LibC.flock(fd, LibC.LOCK_SH | LibC.LOCK_NB) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != Errno.EWOULDBLOCK)
                    {
                        throw SegmentErrors.FromErrno(name, "flock", errno);
                    }

                    // The creator holds LOCK_EX: it is alive and still initializing.
                    if (Stopwatch.GetTimestamp() >= deadline)
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
                    CheckCall(fstat(fd, &st), name, "fstat");
                    var size = (long)st.st_size;
                    if (size == 0 && Stopwatch.GetTimestamp() < deadline)
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
                            ? AttachRaw(definition, name, fd, size, (ulong)st.st_dev, (ulong)st.st_ino, options)
                            : Attach(definition, name, fd, size, (ulong)st.st_dev, (ulong)st.st_ino, options);
                    }
                }
            }
            finally
            {
                close(fd);
            }

            Thread.Sleep(delayMs);
            delayMs = Math.Min(delayMs * 2, MaxOpenRetryDelayMs);
        }
    }

    private static SegmentMapping Attach(SegmentDefinition definition, string name, int fd, long size, ulong device, ulong inode, SegmentOptions options)
    {
        if (size < SegmentHeader.Size)
        {
            throw new SegmentCorruptedException(
                name, $"Shared memory segment '/{name}' is {size} bytes, smaller than the {SegmentHeader.Size}-byte ShmGen header: truncated, or not a ShmGen segment.");
        }

        // Never map past st_size: touching a page beyond the end of the file is a SIGBUS.
        var length = (nuint)size;
        var mapping = Map(fd, length, name);
        var problem = SegmentValidation.Validate((SegmentHeader*)mapping, size, definition, name);
        if (problem is not null)
        {
            munmap(mapping, (Tmds.Linux.size_t)(ulong)length);
            throw problem is SegmentNotInitializedException notInitialized
                ? new StaleSegmentException(notInitialized, device, inode)
                : problem;
        }

        return new SegmentMapping(definition, name, mapping, length, device, inode, isCreator: false, options.LockTimeout, semaphore: null);
    }

    /// <summary>A Raw segment has no header: the size is all there is to validate.</summary>
    private static SegmentMapping AttachRaw(SegmentDefinition definition, string name, int fd, long size, ulong device, ulong inode, SegmentOptions options)
    {
        if (size != definition.PayloadSize)
        {
            throw new SegmentCorruptedException(
                name,
                $"Raw shared memory segment '/{name}' is {size} bytes, but {definition.TypeName} is {definition.PayloadSize} bytes: " +
                "the peer that created it disagrees about the struct (compare its C declaration with the generated CHeader).");
        }

        var mapping = Map(fd, (nuint)size, name);
        try
        {
            var semaphore = NamedSemaphoreLock.Attach(name, (ushort)(options.Mode ?? definition.Mode));
            return new SegmentMapping(definition, name, mapping, (nuint)size, device, inode, isCreator: false, options.LockTimeout, semaphore);
        }
        catch
        {
            munmap(mapping, (Tmds.Linux.size_t)(ulong)size);
            throw;
        }
    }

    private static Tmds.Linux.stat StatChecked(int fd, string name, ushort expectedMode)
    {
        Tmds.Linux.stat st;
        CheckCall(fstat(fd, &st), name, "fstat");
        var mode = (ushort)st.st_mode;
        if ((mode & 0xF000) != 0x8000)
        {
            throw new UnauthorizedAccessException($"Shared memory segment '/{name}' is not a regular file; refusing to map it.");
        }

        const ushort groupOrOther = 0x3F; // 0077
        var owner = (uint)st.st_uid;
        if (owner != (uint)geteuid() && (expectedMode & groupOrOther) == 0)
        {
            throw new UnauthorizedAccessException(
                $"Shared memory segment '/{name}' is owned by uid {owner}, not by this user ({(uint)geteuid()}); " +
                "another user's segment could be a trap. Grant group/other access in the expected Mode to share across users.");
        }

        var permissions = (ushort)(mode & 0x1FF);
        if ((permissions & ~expectedMode & 0x1FF) != 0)
        {
            throw new UnauthorizedAccessException(
                $"Shared memory segment '/{name}' has mode {Octal(permissions)}, which grants more than the expected {Octal(expectedMode)}; " +
                "any user it admits could read or corrupt it.");
        }

        return st;
    }

    private static void ReclaimStale(string name, ulong device, ulong inode)
    {
        var path = PathBytes(name);
        fixed (byte* p = path)
        {
            var fd = open(p, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
            if (fd < 0)
            {
                return;
            }

            try
            {
                // Exclusive: a second reclaimer waits here, then sees the name point elsewhere and leaves it alone.
                if (LibC.flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
                {
                    return;
                }

                Tmds.Linux.stat byFd;
                Tmds.Linux.stat byName;
                if (fstat(fd, &byFd) != 0 || lstat(p, &byName) != 0)
                {
                    return;
                }

                if ((ulong)byFd.st_dev == device && (ulong)byFd.st_ino == inode &&
                    (ulong)byName.st_dev == device && (ulong)byName.st_ino == inode)
                {
                    unlink(p);
                }
            }
            finally
            {
                close(fd);
            }
        }
    }

    private static byte* Map(int fd, nuint length, string name)
    {
        var mapping = mmap(null, (Tmds.Linux.size_t)(ulong)length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mapping == MAP_FAILED)
        {
            throw SegmentErrors.FromErrno(name, "mmap", Marshal.GetLastPInvokeError());
        }

        return (byte*)mapping;
    }

    private static bool UnlinkPath(string name)
    {
        var path = PathBytes(name);
        fixed (byte* p = path)
        {
            return unlink(p) == 0;
        }
    }

    private static void CheckCall(int result, string name, string call)
    {
        if (result != 0)
        {
            throw SegmentErrors.FromErrno(name, call, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>"/dev/shm/NAME\0" in UTF-8: the path every call on a segment's file takes (validated names are ASCII; the
    /// inspector also reads files other programs named).</summary>
    internal static byte[] PathBytes(string name)
    {
        var path = ShmDirectory + name;
        var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    private static int WriteBounded(string text, Span<byte> destination)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var length = Math.Min(bytes.Length, destination.Length);
        bytes.AsSpan(0, length).CopyTo(destination);
        return length;
    }

    private static string Octal(int mode) => "0" + Convert.ToString(mode, 8);

    /// <summary>A segment whose creator died before publishing it: Open reports it, OpenOrCreate reclaims it.</summary>
    private sealed class StaleSegmentException(SegmentNotInitializedException @public, ulong device, ulong inode) : Exception(@public.Message)
    {
        public SegmentNotInitializedException Public { get; } = @public;

        public ulong Device { get; } = device;

        public ulong Inode { get; } = inode;
    }

    [DoesNotReturn]
    private void ThrowDisposed() =>
        throw new ObjectDisposedException(_definition.TypeName + "Segment", $"Shared memory segment '/{Name}' was disposed; its mapping is gone.");
}
