using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading;
using ShmGen.Inspection;
using ShmGen.Layout;
using ShmGen.Native;
using ShmGen.Runtime.Files;
using ShmGen.Runtime.Locking;

namespace ShmGen.Runtime;

/// <summary>Restores a payload's invariants after a lock holder died mid-update (the struct's <c>OnLockAbandoned</c>).
/// Infrastructure for generated code.</summary>
/// <typeparam name="T">The payload type.</typeparam>
/// <param name="data">The payload, with the lock held.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void LockRepair<T>(ref T data)
    where T : unmanaged;

/// <summary>Writes a new segment's initial payload (zero-filled before the call) before the header says Ready.</summary>
/// <param name="payload">The start of the payload.</param>
internal unsafe delegate void PayloadInitializer(byte* payload);

/// <summary>
/// One mapping of a segment, and its owner: the payload, the lock, and a reference count that decides when the memory
/// is unmapped. Every call that touches the mapping holds a reference while it runs, and so does every live Guard (a
/// successful Lock keeps its reference until the Guard's Dispose; a Guard's reference is an entry in its thread's
/// <see cref="GuardHazards"/> record rather than a count, to keep atomics off the lock path), so <see cref="Dispose"/> on one thread never unmaps
/// under another: calls that start after it throw <see cref="ObjectDisposedException"/>, and the memory goes when the
/// last running call or held Guard is done. Creation, attach and reclaim live in <see cref="SegmentCreation"/>,
/// <see cref="SegmentAttach"/> and <see cref="StaleSegments"/>. Infrastructure for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe partial class SegmentMapping : IDisposable
{
    private const int DisposedBit = 1;
    private const int OneReference = 2;

    private readonly SegmentDefinition _definition;
    private readonly FileId _file;
    private readonly nuint _length;
    private readonly byte* _payload;
    private readonly SegmentLock _lock;
    private readonly HeaderLock? _headerLock;
    private readonly HeaderLock? _sequenceLock;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle? _descriptor;
    private readonly Func<bool> _isDisposeRequested;
    private nint _base;

    private static long s_nextId;

    // (references << 1) | disposed. The handle itself owns one reference, which Dispose gives up. Calls count here;
    // Guards are counted in their thread's GuardHazards record instead (no atomic on the lock path).
    private int _references = OneReference;
    private readonly long _id = Interlocked.Increment(ref s_nextId);
    private readonly object _unmapGate = new();

    // readOnly: a PROT_READ mapping (a read-only view): Lock throws, Snapshot still reads.
    // descriptor: an anonymous segment's memfd, kept for SendTo and closed at unmap; null for a named one.
    internal SegmentMapping(
        SegmentDefinition definition,
        string name,
        byte* mapping,
        nuint length,
        FileId file,
        bool isCreator,
        TimeSpan lockTimeout,
        SegmentLock segmentLock,
        bool readOnly = false,
        Microsoft.Win32.SafeHandles.SafeFileHandle? descriptor = null)
    {
        _definition = definition;
        Name = name;
        _base = (nint)mapping;
        _length = length;
        _payload = mapping + (definition.Format == SegmentFormat.Raw ? 0 : SegmentHeader.Size);
        _file = file;
        _lock = segmentLock;
        _sequenceLock = segmentLock as HeaderLock;

        // A read-only mapping has no fast path into the lock: every Lock goes the slow way, which refuses it.
        _headerLock = readOnly ? null : _sequenceLock;
        IsReadOnly = readOnly;
        _descriptor = descriptor;
        IsCreator = isCreator;
        DefaultLockTimeout = lockTimeout;
        _isDisposeRequested = () => IsDisposeRequested;
    }

    /// <summary>The POSIX name, without the leading '/'.</summary>
    public string Name { get; }

    /// <summary>Whether this mapping created the segment (as opposed to attaching to an existing one).</summary>
    public bool IsCreator { get; }

    /// <summary>The timeout <c>Lock()</c> uses without an argument (<see cref="SegmentOptions.LockTimeout"/>).</summary>
    public TimeSpan DefaultLockTimeout { get; }

    /// <summary>The file this mapping maps.</summary>
    internal FileId File => _file;

    /// <summary>Whether the mapping is PROT_READ of an O_RDONLY descriptor (a read-only view).</summary>
    internal bool IsReadOnly { get; }

    /// <summary>Whether this is an anonymous sealed segment (a memfd with no name), as opposed to a /dev/shm name.</summary>
    internal bool IsAnonymous => _descriptor is not null;

    /// <summary>The anonymous segment's memfd, while the mapping lives.</summary>
    internal Microsoft.Win32.SafeHandles.SafeFileHandle? Descriptor => _descriptor;

    /// <summary>The definition the segment was opened with.</summary>
    internal SegmentDefinition Definition => _definition;

    /// <summary>Whether <see cref="Dispose"/> was called.</summary>
    internal bool IsDisposeRequested => (Volatile.Read(ref _references) & DisposedBit) != 0;

    /// <summary>The start of the payload, for code that holds a reference (<see cref="AddReference"/>) while it uses it.</summary>
    internal byte* Payload
    {
        get
        {
            ThrowIfDisposeRequested();
            return _payload;
        }
    }

    /// <summary>The payload as a typed reference (no copy), without the lock. Valid until <see cref="Dispose"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T GetPayload<T>()
        where T : unmanaged
    {
        ThrowIfDisposeRequested();
        return ref Unsafe.AsRef<T>(_payload);
    }

    /// <summary>Creates a new segment; fails with <see cref="SegmentAlreadyExistsException"/> if the name exists.</summary>
    public static SegmentMapping Create<T>(SegmentDefinition definition, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return Create(definition, options, initializePayload: null);
    }

    /// <summary>Creates a new segment whose payload size the caller verified (see <see cref="SegmentCreation"/>).</summary>
    internal static SegmentMapping Create(SegmentDefinition definition, SegmentOptions? options, PayloadInitializer? initializePayload)
    {
        var name = SegmentNames.Resolve(definition, options);
        return AtExit(SegmentCreation.Create(definition, name, options ?? SegmentOptions.Default, initializePayload), options);
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
        var name = SegmentNames.Resolve(definition, options);
        options ??= SegmentOptions.Default;
        try
        {
            return CreationWait.Open(name, options, () => SegmentAttach.Open(definition, name, options));
        }
        catch (StaleSegmentException stale)
        {
            throw stale.Public;
        }
    }

    /// <summary>
    /// Creates the segment or attaches to it; between processes exactly one wins the creation. A leftover that provably
    /// is a dead ShmGen creator's is removed and recreated; nothing else ever is.
    /// </summary>
    public static SegmentMapping OpenOrCreate<T>(SegmentDefinition definition, SegmentOptions? options)
        where T : unmanaged
    {
        definition.VerifyRuntimeSize(sizeof(T));
        return OpenOrCreate(definition, options, initializePayload: null);
    }

    /// <summary>OpenOrCreate for a payload whose size the caller verified, initialized as by <see cref="Create(SegmentDefinition, SegmentOptions?, PayloadInitializer?)"/>.</summary>
    internal static SegmentMapping OpenOrCreate(SegmentDefinition definition, SegmentOptions? options, PayloadInitializer? initializePayload)
    {
        var name = SegmentNames.Resolve(definition, options);
        options ??= SegmentOptions.Default;
        var deadline = Deadline.After(options.OpenTimeout, "options.OpenTimeout");
        while (true)
        {
            try
            {
                return AtExit(SegmentCreation.Create(definition, name, options, initializePayload), options);
            }
            catch (SegmentAlreadyExistsException)
            {
            }

            try
            {
                return SegmentAttach.Open(definition, name, options);
            }
            catch (SegmentNotFoundException) when (!Deadline.HasPassed(deadline))
            {
                // Unlinked between our O_EXCL and our open: try creating again.
            }
            catch (StaleSegmentException stale)
            {
                StaleSegments.Reclaim(name, stale.File);
                if (Deadline.HasPassed(deadline))
                {
                    throw stale.Public;
                }
            }
        }
    }

    /// <summary>Removes the name if it exists; <see langword="false"/> when there was nothing to remove.</summary>
    public static bool TryUnlink(SegmentDefinition definition, SegmentOptions? options)
    {
        var name = SegmentNames.Resolve(definition, options);
        if (definition.Format == SegmentFormat.Raw)
        {
            NamedSemaphoreLock.UnlinkName(name);
        }

        if (ShmFile.UnlinkName(name))
        {
            return true;
        }

        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
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
        // An anonymous segment has no name to remove: the kernel frees it when its last descriptor and mapping are gone.
        if (IsAnonymous)
        {
            return;
        }

        if (ShmFile.UnlinkIfSame(Name, _file) && _lock is SemaphoreLock semaphore)
        {
            semaphore.UnlinkSemaphore();
        }

        ExitUnlink.Forget(this);
    }

    /// <summary>Registers a mapping this process just created for <see cref="SegmentOptions.UnlinkOnExit"/>.</summary>
    private static SegmentMapping AtExit(SegmentMapping created, SegmentOptions? options)
    {
        if (options is { UnlinkOnExit: true })
        {
            ExitUnlink.Register(created);
        }

        return created;
    }

    /// <summary>
    /// Takes the lock, throwing <see cref="TimeoutException"/> when <paramref name="timeout"/> runs out, and returns the
    /// payload. On success the caller owns one reference until <see cref="ReleaseLock"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T Lock<T>(TimeSpan timeout, LockRepair<T>? repair, out bool abandoned)
        where T : unmanaged
    {
        ValidateTimeout(timeout);
        var thread = EnterGuard();
        if (_headerLock is { } header && header.TryAcquireFast(thread))
        {
            abandoned = false;
            return ref Unsafe.AsRef<T>(_payload);
        }

        if (!LockContended(timeout, repair, out abandoned))
        {
            throw new TimeoutException(
                $"Timed out after {timeout} waiting for the lock of shared memory segment '/{Name}'" + _lock.DescribeHolder() + ".");
        }

        return ref Unsafe.AsRef<T>(_payload);
    }

    /// <summary>
    /// Tries to take the lock within <paramref name="timeout"/>; returns the payload when <paramref name="acquired"/>
    /// (the caller then owns one reference until <see cref="ReleaseLock"/>), a null reference otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T TryLock<T>(TimeSpan timeout, LockRepair<T>? repair, out bool acquired, out bool abandoned)
        where T : unmanaged
    {
        ValidateTimeout(timeout);
        var thread = EnterGuard();
        if (_headerLock is { } header && header.TryAcquireFast(thread))
        {
            acquired = true;
            abandoned = false;
            return ref Unsafe.AsRef<T>(_payload);
        }

        acquired = LockContended(timeout, repair, out abandoned);
        return ref acquired ? ref Unsafe.AsRef<T>(_payload) : ref Unsafe.NullRef<T>();
    }

    /// <summary>Releases the lock taken by <see cref="Lock{T}"/> or <see cref="TryLock{T}"/>, and its reference
    /// (called once by the generated Guard's Dispose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReleaseLock()
    {
        var thread = GuardHazards.Current;
        try
        {
            if (_headerLock is { } header)
            {
                header.Release(thread);
            }
            else
            {
                _lock.Release();
            }
        }
        finally
        {
            ExitGuard(thread);
        }
    }

    /// <summary>
    /// <c>Guard.Wait</c>: with the lock held, releases it, waits for <see cref="Notify"/>/<see cref="NotifyAll"/> or the
    /// timeout, and re-acquires it before returning (<see langword="false"/>: re-acquired after the timeout ran out). If
    /// it throws (<see cref="ObjectDisposedException"/> when the handle was disposed meanwhile), the lock is not held and
    /// the Guard's reference is released.
    /// </summary>
    public bool Wait<T>(TimeSpan timeout, LockRepair<T>? repair, out bool abandoned)
        where T : unmanaged
    {
        long deadline;
        HeaderLock header;
        try
        {
            deadline = Deadline.After(timeout);
            header = _headerLock ?? throw ConditionNotSupported();
        }
        catch
        {
            // The Guard forgets the lock when Wait throws, so it must not stay held.
            ReleaseLock();
            throw;
        }

        var notified = false;
        try
        {
            notified = ConditionWait.Wait(header, deadline, _isDisposeRequested);
        }
        finally
        {
            // Monitor semantics: the lock is held again when Wait returns, however the wait ended.
            if (!Reacquire(repair, out abandoned))
            {
                ExitGuard();
                throw new TimeoutException(
                    $"Guard.Wait on shared memory segment '/{Name}' could not re-acquire the lock within LockTimeout ({DefaultLockTimeout})" +
                    _lock.DescribeHolder() + "; the guard no longer holds it.");
            }
        }

        if (!notified && IsDisposeRequested)
        {
            // A loop around Wait would otherwise spin on a handle that is going away: end it as Lock does.
            ReleaseLock();
            throw new ObjectDisposedException(Name, $"Shared memory segment '/{Name}' was disposed while this thread waited in Guard.Wait; the guard no longer holds the lock.");
        }

        return notified;
    }

    /// <summary><c>Guard.Notify</c>: wakes one waiter (of any process). Costs no system call when nobody waits.</summary>
    public void Notify() => ConditionWait.Notify(_headerLock ?? throw ConditionNotSupported(), all: false);

    /// <summary><c>Guard.NotifyAll</c>: wakes every waiter.</summary>
    public void NotifyAll() => ConditionWait.Notify(_headerLock ?? throw ConditionNotSupported(), all: true);

    /// <summary>A consistent copy of the payload without the lock (sequence lock), within <see cref="DefaultLockTimeout"/>.</summary>
    public T Snapshot<T>()
        where T : unmanaged
    {
        if (!TrySnapshot(out T value, DefaultLockTimeout))
        {
            throw new TimeoutException(
                $"Snapshot of shared memory segment '/{Name}' timed out after {DefaultLockTimeout}: a writer stayed mid-update" +
                _lock.DescribeHolder() + ".");
        }

        return value;
    }

    /// <summary>A consistent copy of the payload without the lock; <see langword="false"/> when a writer stayed mid-update
    /// past <paramref name="timeout"/>. Writes nothing to shared memory.</summary>
    public bool TrySnapshot<T>(out T value, TimeSpan timeout)
        where T : unmanaged
    {
        if (_sequenceLock is not { } header)
        {
            return TrySnapshotUnderLock(out value, timeout);
        }

        ValidateTimeout(timeout);
        AddReference();
        try
        {
            return SequenceLock.TryRead(ref header.Sequence, _payload, out value, timeout, _isDisposeRequested, Name);
        }
        finally
        {
            ReleaseReference();
        }
    }

    /// <summary>Unmaps the segment once no call or Guard uses it any more. Idempotent; never unlinks.</summary>
    public void Dispose()
    {
        var current = Volatile.Read(ref _references);
        while ((current & DisposedBit) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current | DisposedBit, current);
            if (seen == current)
            {
                ReleaseReference();
                return;
            }

            current = seen;
        }
    }

    /// <summary>Holds the mapping for a running call; throws <see cref="ObjectDisposedException"/> after Dispose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddReference()
    {
        if ((Interlocked.Add(ref _references, OneReference) & DisposedBit) != 0)
        {
            ReleaseReference();
            ThrowDisposed();
        }
    }

    /// <summary>Gives up a reference; the last one unmaps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ReleaseReference()
    {
        if (Interlocked.Add(ref _references, -OneReference) == DisposedBit)
        {
            TryUnmap();
        }
    }

    /// <summary>The reference of a Guard, or of one synchronous queue or topic call: an entry in this thread's
    /// <see cref="GuardHazards"/> record (plain stores, no atomic), then the dispose bit is checked. Throws
    /// <see cref="ObjectDisposedException"/> after Dispose, without touching the segment. Only for references given up
    /// on the same thread (<see cref="ExitGuard(GuardHazards)"/>); an async call that moves between threads takes a
    /// counted one (<see cref="AddReference"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal GuardHazards EnterGuard()
    {
        var thread = GuardHazards.Current;
        thread.Enter(_id);
        if (IsDisposeRequested)
        {
            ExitGuard(thread);
            ThrowDisposed();
        }

        return thread;
    }

    /// <summary>Gives up the Guard's reference; after a dispose request, the last user unmaps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExitGuard() => ExitGuard(GuardHazards.Current);

    /// <summary>Gives up a reference taken by <see cref="EnterGuard"/> on this thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ExitGuard(GuardHazards thread)
    {
        thread.Exit(_id);
        if (IsDisposeRequested)
        {
            TryUnmap();
        }
    }

    /// <summary>Unmaps if Dispose was requested, no call holds a counted reference and no thread holds or is taking a
    /// Guard (its hazard record, read after a process-wide barrier). Any of them may call it; one unmaps.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TryUnmap()
    {
        lock (_unmapGate)
        {
            if (Volatile.Read(ref _base) == 0 || Volatile.Read(ref _references) != DisposedBit)
            {
                return;
            }

            Interlocked.MemoryBarrierProcessWide();
            if (GuardHazards.AnyUses(_id))
            {
                return;
            }

            Unmap();
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once Dispose was called.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ThrowIfDisposeRequested()
    {
        if (IsDisposeRequested)
        {
            ThrowDisposed();
        }
    }

    [DoesNotReturn]
    internal void ThrowDisposed() =>
        throw (_definition.Kind switch
        {
            SegmentKind.Queue => new ObjectDisposedException(_definition.TypeName + Contract.ShmContract.QueueSuffix, $"Queue '/{Name}' was disposed; its mapping is gone."),
            SegmentKind.Topic => new ObjectDisposedException(_definition.TypeName + Contract.ShmContract.TopicSuffix, $"Topic '/{Name}' was disposed; its mapping is gone."),
            _ => new ObjectDisposedException(_definition.TypeName + Contract.ShmContract.SegmentSuffix, $"Shared memory segment '/{Name}' was disposed; its mapping is gone."),
        });

    /// <summary>What a Guard's Wait or Notify throws once the guard was disposed (or was never taken).</summary>
    public static InvalidOperationException GuardReleased() => new(
        "This Guard does not hold the lock: it was disposed, or it is the default Guard of a TryLock that failed.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValidateTimeout(TimeSpan timeout)
    {
        if (timeout.Ticks < 0 && timeout != Timeout.InfiniteTimeSpan)
        {
            Deadline.Validate(timeout);
        }
    }

    /// <summary>The slow path of Lock/TryLock; on failure (false or an exception) it releases the call's reference.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool LockContended<T>(TimeSpan timeout, LockRepair<T>? repair, out bool abandoned)
        where T : unmanaged
    {
        if (IsReadOnly)
        {
            ExitGuard();
            throw new InvalidOperationException(
                $"Shared memory segment '/{Name}' is mapped read-only: a read-only view never writes shared memory, the lock included. Use Snapshot().");
        }

        try
        {
            var acquisition = _lock.Acquire(Deadline.After(timeout), _isDisposeRequested);
            abandoned = acquisition == LockAcquisition.AcquiredAbandoned;
            if (acquisition == LockAcquisition.TimedOut)
            {
                ExitGuard();
                return false;
            }
        }
        catch
        {
            ExitGuard();
            throw;
        }

        if (abandoned)
        {
            Repair(repair);
        }

        return true;
    }

    /// <summary>Re-acquires after <see cref="Wait{T}"/>; false (lock not held) when LockTimeout ran out.</summary>
    private bool Reacquire<T>(LockRepair<T>? repair, out bool abandoned)
        where T : unmanaged
    {
        // The Guard's reference is still held, so the mapping cannot go away; a dispose request must not stop us
        // getting the lock back, since the Guard's Dispose will release it.
        LockAcquisition acquisition;
        try
        {
            acquisition = _lock.Acquire(Deadline.After(DefaultLockTimeout), static () => false);
        }
        catch
        {
            // Not recoverable, or a file cut shorter: the lock is not held, so the Guard's reference goes too.
            ExitGuard();
            throw;
        }

        abandoned = acquisition == LockAcquisition.AcquiredAbandoned;
        if (acquisition == LockAcquisition.TimedOut)
        {
            return false;
        }

        if (abandoned)
        {
            Repair(repair);
        }

        return true;
    }

    /// <summary>Runs the repair hook with the lock held; if it throws, the lock is left unrecoverable and this call's
    /// reference is released by the caller's handler.</summary>
    private void Repair<T>(LockRepair<T>? repair)
        where T : unmanaged
    {
        try
        {
            repair?.Invoke(ref Unsafe.AsRef<T>(_payload));
        }
        catch
        {
            _lock.ReleaseUnrepaired();
            ExitGuard();
            throw;
        }
    }

    /// <summary>The Raw format has no header, so no sequence: a copy under the semaphore a C peer also takes.</summary>
    private bool TrySnapshotUnderLock<T>(out T value, TimeSpan timeout)
        where T : unmanaged
    {
        ref var data = ref TryLock<T>(timeout, repair: null, out var acquired, out _);
        if (!acquired)
        {
            value = default;
            return false;
        }

        value = data;
        ReleaseLock();
        return true;
    }

    private NotSupportedException ConditionNotSupported() => new(
        $"Shared memory segment '/{Name}' is in the Raw format, whose lock is a named semaphore a C peer shares: it has no " +
        "condition variable. Use the Standard format for Wait/Notify.");

    private void Unmap()
    {
        var mapping = Interlocked.Exchange(ref _base, 0);
        if (mapping != 0)
        {
            ShmFile.Unmap((byte*)mapping, _length);
            _lock.Dispose();
            _descriptor?.Dispose();
        }
    }
}
