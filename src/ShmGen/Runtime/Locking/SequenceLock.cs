using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// The reader side of the sequence lock behind <c>Snapshot()</c>. Writers need nothing extra: the same CAS that takes
/// the <see cref="FutexLock"/> makes the sequence odd, and the one that releases it makes it even and new. A reader
/// copies the payload between two reads of the sequence and keeps the copy only if both saw the same even value. It
/// writes nothing to shared memory (a read-only mapping can use it), and whatever a peer writes into the sequence or the
/// payload, it ends by its deadline.
/// </summary>
internal static unsafe class SequenceLock
{
    /// <summary>Copies <typeparamref name="T"/> from <paramref name="payload"/> consistently, or false past the timeout.</summary>
    public static bool TryRead<T>(ref uint sequence, byte* payload, out T value, TimeSpan timeout, Func<bool> disposing, string segmentName)
        where T : unmanaged
    {
        long deadline = 0;
        for (var attempt = 0; ; attempt++)
        {
            var before = Volatile.Read(ref sequence);
            if ((before & 1) == 0)
            {
                value = Unsafe.ReadUnaligned<T>(payload);

                // The copy's loads must complete before the second read of the sequence (Volatile.Read alone only orders
                // what comes after it).
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref sequence) == before)
                {
                    return true;
                }
            }

            if (attempt == 0)
            {
                deadline = Deadline.After(timeout);
            }
            else if (Deadline.HasPassed(deadline))
            {
                value = default;
                return false;
            }

            if (disposing())
            {
                throw new ObjectDisposedException(segmentName, $"Shared memory segment '/{segmentName}' was disposed during Snapshot.");
            }

            Backoff(attempt);
        }
    }

    /// <summary>Spin while a writer is likely mid-update, then yield, then sleep: a writer killed mid-update leaves the
    /// sequence odd until the next locker repairs it, and a reader must not burn a core that long.</summary>
    private static void Backoff(int attempt)
    {
        if (attempt < 10)
        {
            Thread.SpinWait(1 << attempt);
        }
        else if (attempt < 50)
        {
            Thread.Yield();
        }
        else
        {
            Thread.Sleep(1);
        }
    }
}
