using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using ShmGen.Runtime.Files;

namespace ShmGen.Runtime.Locking;

/// <summary>
/// A segment's cross-process lock, seen from one mapping. Two implementations: <see cref="HeaderLock"/> (the Standard
/// format's futex word in the header) and <see cref="SemaphoreLock"/> (the Raw format's POSIX named semaphore, for C
/// peers). Which thread of this process holds it is kept here, per file and per process (<see cref="LocalHolder"/>),
/// never in a per-handle flag: two threads locking through one handle, or one thread through two handles of the same
/// segment, see the same record.
/// </summary>
internal abstract class SegmentLock : IDisposable
{
    protected SegmentLock(string segmentName, FileId file)
    {
        SegmentName = segmentName;
        Local = LocalHolder.Attach(file);
    }

    public string SegmentName { get; }

    /// <summary>This process's record of which of its threads holds the lock.</summary>
    protected LocalHolder Local { get; }

    /// <summary>Acquires by the deadline; <paramref name="disposing"/> is polled while waiting.</summary>
    public abstract LockAcquisition Acquire(long deadline, Func<bool> disposing);

    /// <summary>Releases the lock this thread holds.</summary>
    public abstract void Release();

    /// <summary>After a repair hook threw: leave the lock so that nobody treats the data as consistent.</summary>
    public abstract void ReleaseUnrepaired();

    /// <summary>" (held by thread 1234 of pid 1200)", or empty: for timeout messages.</summary>
    public abstract string DescribeHolder();

    public virtual void Dispose() => Local.Detach();

    /// <summary>Which thread of this process holds a segment's lock; one instance per file per process.</summary>
    internal sealed class LocalHolder
    {
        private static readonly Dictionary<FileId, LocalHolder> s_byFile = new();

        private readonly FileId _file;
        private int _attached;

        private LocalHolder(FileId file) => _file = file;

        /// <summary>The managed id of the holding thread, 0 when no thread of this process holds the lock. Written only by
        /// the thread that holds (or just took) the lock.</summary>
        public int HolderThread;

        public bool HeldByCurrentThread
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => HolderThread == Environment.CurrentManagedThreadId;
        }

        public static LocalHolder Attach(FileId file)
        {
            lock (s_byFile)
            {
                if (!s_byFile.TryGetValue(file, out var holder))
                {
                    holder = new LocalHolder(file);
                    s_byFile.Add(file, holder);
                }

                holder._attached++;
                return holder;
            }
        }

        public void Detach()
        {
            lock (s_byFile)
            {
                if (--_attached == 0)
                {
                    s_byFile.Remove(_file);
                }
            }
        }
    }
}
