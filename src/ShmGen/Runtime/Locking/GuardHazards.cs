using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// Which mappings the current thread is locking or holds a Guard on (and the thread's identities, for the lock path): the references that keep those mappings mapped,
/// without an atomic instruction on the lock path. A reference count costs two locked instructions per
/// <c>Lock()</c>+<c>Dispose()</c> (about 20 ns, measured; as much as the lock itself), so Guards use hazard records
/// instead: the locking thread writes the mapping's id into its own record with plain stores and then reads the
/// mapping's dispose bit; <c>Dispose</c> sets that bit, issues a process-wide barrier
/// (<see cref="Interlocked.MemoryBarrierProcessWide"/>: membarrier) and only then scans the records. The barrier makes
/// the pair a Dekker handshake: either the locking thread sees the bit and backs off before touching the segment, or
/// <c>Dispose</c> sees the record and leaves the unmap to that thread's release. See docs/architecture.md (runtime core).
/// </summary>
/// <remarks>
/// Entries never move within a record (a slot is cleared in place, and the count only shrinks over cleared slots),
/// so a scanning thread never misses an entry that stays put. The records of threads that exit are dropped by
/// <see cref="ThreadLocal{T}"/>.
/// </remarks>
internal sealed class GuardHazards
{
    private static readonly ThreadLocal<GuardHazards> s_records = new(static () => new GuardHazards(), trackAllValues: true);

    [ThreadStatic]
    private static GuardHazards? t_current;

    private long[] _held = new long[4];
    private int _count;

    /// <summary>This thread's lock identity (<see cref="LockOwner.Self"/>), kept here so the lock path reads one
    /// thread-static instead of three.</summary>
    public readonly uint Identity = LockOwner.Self;

    /// <summary>This thread's <see cref="Environment.CurrentManagedThreadId"/>.</summary>
    public readonly int ManagedThreadId = Environment.CurrentManagedThreadId;

    /// <summary>The current thread's record.</summary>
    public static GuardHazards Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? Attach();
    }

    /// <summary>Records that this thread uses mapping <paramref name="id"/> (once per Lock; nested Guards add more).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enter(long id)
    {
        var held = _held;
        var count = _count;
        if ((uint)count < (uint)held.Length)
        {
            held[count] = id;
            Volatile.Write(ref _count, count + 1);
        }
        else
        {
            EnterGrown(id);
        }
    }

    /// <summary>Removes one entry for <paramref name="id"/> (the most recent).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit(long id)
    {
        var held = _held;
        var last = _count - 1;
        if ((uint)last < (uint)held.Length && held[last] == id)
        {
            held[last] = 0;
            Volatile.Write(ref _count, last);
            return;
        }

        ExitOutOfOrder(id);
    }

    /// <summary>Whether any live thread's record names <paramref name="id"/>. Only meaningful after the caller set the
    /// mapping's dispose bit and issued <see cref="Interlocked.MemoryBarrierProcessWide"/>.</summary>
    public static bool AnyUses(long id)
    {
        IList<GuardHazards> records = s_records.Values;
        foreach (var record in records)
        {
            var held = Volatile.Read(ref record._held);
            var count = Volatile.Read(ref record._count);
            for (var i = 0; i < count && i < held.Length; i++)
            {
                if (Volatile.Read(ref held[i]) == id)
                {
                    return true;
                }
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static GuardHazards Attach() => t_current = s_records.Value!;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterGrown(long id)
    {
        var count = _count;
        for (var i = 0; i < count; i++)
        {
            if (_held[i] == 0)
            {
                Volatile.Write(ref _held[i], id);
                return;
            }
        }

        // The old array keeps its entries: a scanner holding it still sees every live one.
        var grown = new long[_held.Length * 2];
        _held.CopyTo(grown, 0);
        grown[count] = id;
        Volatile.Write(ref _held, grown);
        Volatile.Write(ref _count, count + 1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExitOutOfOrder(long id)
    {
        // Guards disposed out of order: clear the slot in place, then drop cleared slots from the end.
        var held = _held;
        for (var i = _count - 1; i >= 0; i--)
        {
            if (held[i] == id)
            {
                held[i] = 0;
                break;
            }
        }

        var count = _count;
        while (count > 0 && held[count - 1] == 0)
        {
            count--;
        }

        Volatile.Write(ref _count, count);
    }
}
