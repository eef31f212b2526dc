using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using ShmGen.Native;
using ShmGen.Runtime;
using ShmGen.Runtime.Files;
using ShmGen.Runtime.Locking;
using static Tmds.Linux.LibC;

namespace ShmGen.Inspection;

/// <summary>
/// Reads ShmGen segments from outside, for operators and tools (<c>shmgen list/inspect/rm/gc</c>): decodes the header
/// without mapping the file (no SIGBUS on a truncated one), tells whether any process maps the segment and who holds
/// its lock, and removes segments nothing can still use. Never writes to a segment.
/// </summary>
public static unsafe class SegmentInspector
{
    /// <summary>At most this much of a payload is read for <see cref="SegmentInfo.Values"/>.</summary>
    private const int MaxValueBytes = 16 * 1024 * 1024;

    /// <summary>Every file in /dev/shm, ShmGen segment or not, ordered by name, with the processes that map each.</summary>
    /// <param name="nameFilter">Examines only the names it accepts (all when <see langword="null"/>).</param>
    /// <param name="includeValues">Also read every segment's current field values (<see cref="SegmentInfo.Values"/>).</param>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public static IReadOnlyList<SegmentInfo> List(Func<string, bool>? nameFilter = null, bool includeValues = false)
    {
        var segments = new List<SegmentInfo>();
        foreach (var name in Names(nameFilter))
        {
            using var examined = Examine(name, holdExclusive: false, includeValues);
            if (examined is not null)
            {
                segments.Add(examined.Info);
            }
        }

        AddMappers(segments);
        return segments;
    }

    /// <summary>Examines one name (without the leading '/'); works for files that are not ShmGen segments too.</summary>
    /// <param name="name">The segment name.</param>
    /// <param name="includeValues">Also read the current field values (<see cref="SegmentInfo.Values"/>), with pread:
    /// the file is never mapped.</param>
    /// <exception cref="ArgumentException">The name cannot name a file in /dev/shm.</exception>
    /// <exception cref="SegmentNotFoundException">No such segment.</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public static SegmentInfo Inspect(string name, bool includeValues = false)
    {
        ValidateName(name);
        using var examined = Examine(name, holdExclusive: false, includeValues) ?? throw NotFound(name);
        AddMappers([examined.Info]);
        return examined.Info;
    }

    /// <summary>Fills <see cref="SegmentInfo.MappedBy"/> of every ShmGen segment from one pass over /proc/*/maps.</summary>
    private static void AddMappers(List<SegmentInfo> segments)
    {
        var files = new List<(ulong, ulong)>();
        foreach (var segment in segments)
        {
            if (segment.IsShmGenSegment)
            {
                files.Add(segment.FileId);
            }
        }

        var (mappers, uncheckable) = ProcessMaps.Scan(files);
        foreach (var segment in segments)
        {
            if (segment.IsShmGenSegment)
            {
                segment.MappedBy = mappers.TryGetValue(segment.FileId, out var pids) ? pids : [];
                segment.UncheckedProcessCount = uncheckable;
            }
        }
    }

    /// <summary>
    /// Removes the name of a ShmGen segment, like <c>ipcrm</c>: processes that map it keep a valid mapping until they
    /// unmap, but no process can open it any more. Refuses files that are not ShmGen segments.
    /// </summary>
    /// <returns>The segment as it was just before removal (for example whether it was still in use).</returns>
    /// <exception cref="ArgumentException">The name cannot name a file in /dev/shm.</exception>
    /// <exception cref="SegmentNotFoundException">No such segment.</exception>
    /// <exception cref="InvalidDataException">The file is not a ShmGen segment; it is left alone.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read or removed by this user.</exception>
    public static SegmentInfo Remove(string name)
    {
        ValidateName(name);
        using var examined = Examine(name, holdExclusive: false, includeValues: false) ?? throw NotFound(name);
        var info = examined.Info;
        if (!info.IsShmGenSegment)
        {
            if (info.Status == SegmentStatus.Unreadable)
            {
                throw new UnauthorizedAccessException($"Cannot remove '{info.Path}': {info.Problem}");
            }

            throw new InvalidDataException($"'{info.Path}' is not a ShmGen segment ({info.Problem}); refusing to remove it.");
        }

        if (!examined.UnlinkIfStillSameFile())
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != 0)
            {
                throw SegmentErrors.FromErrno(name, "shm_unlink", errno);
            }

            throw new IOException($"'{info.Path}' was replaced while being removed; the new file was left alone.");
        }

        return info;
    }

    /// <summary>
    /// Removes every stale ShmGen segment (<see cref="SegmentInfo.IsStale"/>: its creator is dead and no process maps
    /// it). Each is removed while this process holds its exclusive flock, so a process cannot start mapping it in
    /// between; segments in use, segments of live creators and files that are not ShmGen segments are never touched.
    /// </summary>
    /// <param name="dryRun">Only report what would be removed.</param>
    /// <param name="nameFilter">Considers only the names it accepts (all when <see langword="null"/>), e.g. one
    /// application's prefix.</param>
    /// <returns>The stale segments found (removed unless <paramref name="dryRun"/>).</returns>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public static IReadOnlyList<SegmentInfo> CollectGarbage(bool dryRun = false, Func<string, bool>? nameFilter = null)
    {
        var stale = new List<SegmentInfo>();
        foreach (var name in Names(nameFilter))
        {
            using var examined = Examine(name, holdExclusive: true, includeValues: false);
            if (examined is null || !examined.Info.IsStale)
            {
                continue;
            }

            if (dryRun || examined.UnlinkIfStillSameFile())
            {
                stale.Add(examined.Info);
            }
        }

        return stale;
    }

    private static List<string> Names(Func<string, bool>? nameFilter)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("ShmGen segments live in /dev/shm on Linux; there is nothing to inspect on this system.");
        }

        var names = new List<string>();
        foreach (var path in Directory.EnumerateFileSystemEntries(ShmFile.Directory))
        {
            var name = System.IO.Path.GetFileName(path);
            if (nameFilter is null || nameFilter(name))
            {
                names.Add(name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static void ValidateName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal)
            || Encoding.UTF8.GetByteCount(name) > 255)
        {
            throw new ArgumentException($"'{name}' cannot name a file in {ShmFile.Directory}: give the segment name without the leading '/'.", nameof(name));
        }
    }

    private static SegmentNotFoundException NotFound(string name) =>
        (SegmentNotFoundException)SegmentErrors.FromErrno(name, "open", Errno.ENOENT);

    /// <summary>Opens and decodes one name; <see langword="null"/> when it does not exist.</summary>
    private static ExaminedFile? Examine(string name, bool holdExclusive, bool includeValues)
    {
        var path = ShmFile.PathBytes(name);
        int fd;
        fixed (byte* p = path)
        {
            // O_NONBLOCK: a FIFO planted in /dev/shm must not hang the tool. O_NOFOLLOW: never look through a symlink.
            fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
        }

        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Errno.ENOENT ? null : new ExaminedFile(Unopenable(name, path, errno), -1, 0, 0);
        }

        try
        {
            Tmds.Linux.stat st;
            if (fstat(fd, &st) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                close(fd);
                return new ExaminedFile(new SegmentInfo(name, SegmentStatus.Unreadable) { Problem = $"fstat failed: {Errno.Describe(errno)}" }, -1, 0, 0);
            }

            var info = Decode(name, fd, st, holdExclusive);
            if (includeValues)
            {
                info.Values = ReadValues(fd, info);
            }

            return new ExaminedFile(info, fd, (ulong)st.st_dev, (ulong)st.st_ino);
        }
        catch
        {
            close(fd);
            throw;
        }
    }

    private static SegmentInfo Unopenable(string name, byte[] path, int errno)
    {
        Tmds.Linux.stat st;
        bool known;
        fixed (byte* p = path)
        {
            known = lstat(p, &st) == 0;
        }

        var status = errno == Errno.ELOOP ? SegmentStatus.NotShmGen : SegmentStatus.Unreadable;
        var problem = errno switch
        {
            Errno.ELOOP => "a symbolic link (ShmGen never follows one)",
            Errno.EACCES or Errno.EPERM when known => $"permission denied: owned by uid {(uint)st.st_uid} with mode {Octal((int)st.st_mode & 0xFFF)}",
            _ => $"open failed: {Errno.Describe(errno)}",
        };
        return new SegmentInfo(name, status)
        {
            Problem = problem,
            FileSize = known ? (long)st.st_size : 0,
            Mode = known ? (UnixFileMode)((int)st.st_mode & 0xFFF) : UnixFileMode.None,
            OwnerUserId = known ? (uint)st.st_uid : 0,
        };
    }

    private static SegmentInfo Decode(string name, int fd, in Tmds.Linux.stat st, bool holdExclusive)
    {
        var size = (long)st.st_size;
        var fileId = ((ulong)st.st_dev, (ulong)st.st_ino);
        var mode = (UnixFileMode)((int)st.st_mode & 0xFFF);
        var owner = (uint)st.st_uid;
        SegmentInfo Foreign(string problem) => new(name, SegmentStatus.NotShmGen) { Problem = problem, FileSize = size, Mode = mode, OwnerUserId = owner };

        if (((int)st.st_mode & 0xF000) != 0x8000)
        {
            return Foreign("not a regular file");
        }

        SegmentHeader header = default;
        var read = pread(fd, &header, (Tmds.Linux.size_t)(ulong)SegmentHeader.Size, 0);
        if (read < 0)
        {
            return new SegmentInfo(name, SegmentStatus.Unreadable)
            {
                Problem = $"read failed: {Errno.Describe(Marshal.GetLastPInvokeError())}",
                FileSize = size,
                Mode = mode,
                OwnerUserId = owner,
            };
        }

        if (size == 0)
        {
            return Foreign("an empty file");
        }

        if ((long)read < sizeof(ulong) || header.Magic != SegmentHeader.ExpectedMagic)
        {
            return Foreign(
                name.StartsWith("sem.", StringComparison.Ordinal) ? "a POSIX named semaphore"
                : File.Exists(NamedSemaphoreLock.SemaphorePath(name)) ? $"a Raw-format segment (no header to decode; its lock is the semaphore /{name}.lock)"
                : "no ShmGen header: another program's shared memory, or a Raw-format segment, which has none");
        }

        // Probed only once the file claims to be ShmGen's: another program's flock protocol is none of our business.
        // Every ShmGen mapping holds LOCK_SH for its lifetime and a creator holds LOCK_EX until it publishes the header,
        // so an exclusive lock is granted exactly when no process maps the segment or is creating it.
        var inUse = LibC.flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0;
        if (!inUse && !holdExclusive)
        {
            // Only gc keeps the exclusive lock (until it has unlinked); otherwise openers are let in again at once.
            LibC.flock(fd, LibC.LOCK_UN);
        }

        if ((long)read < SegmentHeader.Size)
        {
            return new SegmentInfo(name, SegmentStatus.Corrupted)
            {
                Problem = $"{size} bytes, smaller than the {SegmentHeader.Size}-byte ShmGen header",
                FileId = fileId,
                FileSize = size,
                Mode = mode,
                OwnerUserId = owner,
                InUse = inUse,
            };
        }

        if (header.Version != SegmentHeader.CurrentVersion)
        {
            return new SegmentInfo(name, SegmentStatus.Corrupted)
            {
                Problem = $"format version {header.Version}; this ShmGen reads version {SegmentHeader.CurrentVersion}",
                FileId = fileId,
                FileSize = size,
                Mode = mode,
                OwnerUserId = owner,
                InUse = inUse,
                FormatVersion = header.Version,
            };
        }

        var creatorAlive = ProcessIdentity.IsAlive(header.CreatorPid, header.CreatorStartTime);
        var description = ReadUtf8(header.Description, header.DescriptionLength, SegmentHeader.DescriptionCapacity);
        var truncated = header.DescriptionLength == SegmentHeader.DescriptionCapacity;
        var (status, problem) = Check(header, size, creatorAlive);
        SegmentQueueInfo? queue = null;
        SegmentTopicInfo? topic = null;
        if (status == SegmentStatus.Ready && header.Kind == (uint)SegmentKind.Queue)
        {
            (queue, problem) = ReadQueue(fd, header);
            status = queue is null ? SegmentStatus.Corrupted : status;
        }
        else if (status == SegmentStatus.Ready && header.Kind == (uint)SegmentKind.Topic)
        {
            (topic, problem) = ReadTopic(fd, header);
            status = topic is null ? SegmentStatus.Corrupted : status;
        }

        return new SegmentInfo(name, status)
        {
            Problem = problem,
            FileSize = size,
            Mode = mode,
            OwnerUserId = owner,
            InUse = inUse,
            Kind = header.Kind is (uint)SegmentKind.Segment or (uint)SegmentKind.Queue or (uint)SegmentKind.Topic ? (SegmentKind)header.Kind : null,
            TypeName = ReadUtf8(header.TypeName, header.TypeNameLength, SegmentHeader.TypeNameCapacity),
            FormatVersion = header.Version,
            LayoutFingerprint = header.Fingerprint,
            PayloadOffset = header.PayloadOffset,
            PayloadSize = header.PayloadSize,
            TotalSize = header.TotalSize,
            CreatorProcessId = header.CreatorPid,
            CreatorAlive = creatorAlive,
            Lock = status == SegmentStatus.Ready ? DecodeLock(header) : null,
            Queue = queue,
            Topic = topic,
            FileId = fileId,
            LayoutDescription = description,
            Layout = description is null ? null : SegmentLayoutInfo.Parse(description, truncated),
        };
    }

    private static (SegmentStatus Status, string? Problem) Check(in SegmentHeader header, long fileSize, bool creatorAlive)
    {
        if (header.State == SegmentState.Initializing)
        {
            return (SegmentStatus.Initializing, creatorAlive
                ? $"being initialized by its creator (pid {header.CreatorPid})"
                : $"never initialized: its creator (pid {header.CreatorPid}) died before publishing it");
        }

        if (header.State != SegmentState.Ready)
        {
            return (SegmentStatus.Corrupted, $"invalid state word {header.State}");
        }

        if (header.Kind is not ((uint)SegmentKind.Segment or (uint)SegmentKind.Queue or (uint)SegmentKind.Topic))
        {
            return (SegmentStatus.Corrupted, $"unknown kind {header.Kind}");
        }

        if (header.PayloadOffset != SegmentHeader.Size || header.PayloadSize > header.TotalSize - SegmentHeader.Size || header.TotalSize < SegmentHeader.Size)
        {
            return (SegmentStatus.Corrupted, $"inconsistent header: payload {header.PayloadSize} bytes at {header.PayloadOffset}, {header.TotalSize} bytes in all");
        }

        if ((ulong)fileSize != header.TotalSize)
        {
            return (SegmentStatus.Corrupted, $"the file is {fileSize} bytes but the header says {header.TotalSize}: truncated or resized");
        }

        return (SegmentStatus.Ready, null);
    }

    /// <summary>
    /// Who holds the lock, and whether its holder died: the ONE place that knows the lock's encoding in the header
    /// (<see cref="LockBlock"/>). The header was read with pread: a copy, never the live memory, so nothing here can
    /// disturb the lock.
    /// </summary>
    private static SegmentLockInfo DecodeLock(in SegmentHeader header)
    {
        var owner = header.Lock.Word & LockOwner.IdentityMask;
        if (owner == 0)
        {
            return new SegmentLockInfo(SegmentLockState.Free, 0, null);
        }

        if (owner == LockOwner.NotRecoverable)
        {
            return new SegmentLockInfo(SegmentLockState.NotRecoverable, 0, null);
        }

        // The same judgement a waiter makes before it takes the lock over (thread gone, or its id reused).
        var holder = LockOwner.ThreadId(owner);
        var process = LockOwner.IsGone(owner) ? null : ThreadGroupOf(holder);
        return process is null
            ? new SegmentLockInfo(SegmentLockState.Abandoned, holder, null)
            : new SegmentLockInfo(SegmentLockState.Held, holder, process);
    }

    /// <summary>The process a live thread belongs to (/proc/TID/status Tgid), <see langword="null"/> if the thread is gone.</summary>
    private static int? ThreadGroupOf(int threadId)
    {
        string status;
        try
        {
            status = File.ReadAllText($"/proc/{threadId.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        int? group = null;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("State:", StringComparison.Ordinal) && line.AsSpan(6).Trim() is { Length: > 0 } state && ProcessIdentity.IsDead(state[0]))
            {
                return null;
            }

            if (line.StartsWith("Tgid:", StringComparison.Ordinal) && int.TryParse(line.AsSpan(5).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var tgid))
            {
                group = tgid;
            }
        }

        return group;
    }

    /// <summary>
    /// A queue's control block (QueueControl at the start of the payload), read with pread like the header: capacity and
    /// depth, or why they cannot be trusted. A peer may have written anything there, so every value is checked.
    /// </summary>
    private static (SegmentQueueInfo? Queue, string? Problem) ReadQueue(int fd, in SegmentHeader header)
    {
        var problem = ReadControl(fd, header, "queue", QueueControl.Size, out QueueControl control)
            ?? RingProblem("queue", control.Version, QueueControl.CurrentVersion, control.Capacity);
        if (problem is not null)
        {
            return (null, problem);
        }

        // Signed difference, as the ring compares positions: wraps at 2^32 are harmless.
        var count = (int)(control.EnqueuePosition - control.DequeuePosition);
        return (new SegmentQueueInfo((int)control.Capacity, Math.Clamp(count, 0, (int)control.Capacity), control.EnqueuePosition, control.DequeuePosition), null);
    }

    /// <summary>A topic's control block (TopicControl at the start of the payload), read and checked as a queue's.</summary>
    private static (SegmentTopicInfo? Topic, string? Problem) ReadTopic(int fd, in SegmentHeader header)
    {
        var problem = ReadControl(fd, header, "topic", TopicControl.Size, out TopicControl control)
            ?? RingProblem("topic", control.Version, TopicControl.CurrentVersion, control.Capacity);
        if (problem is not null)
        {
            return (null, problem);
        }

        return control.NextSequence < 0
            ? (null, $"the topic's publish counter is negative ({control.NextSequence})")
            : (new SegmentTopicInfo((int)control.Capacity, control.NextSequence), null);
    }

    /// <summary>Reads a ring's control block, the first <paramref name="size"/> bytes of the payload, with pread.</summary>
    private static string? ReadControl<TControl>(int fd, in SegmentHeader header, string kind, int size, out TControl control)
        where TControl : unmanaged
    {
        control = default;
        if (header.PayloadSize < (ulong)size)
        {
            return $"a {kind} whose {header.PayloadSize}-byte payload cannot hold its {size}-byte control block";
        }

        fixed (TControl* target = &control)
        {
            var read = pread(fd, target, (Tmds.Linux.size_t)(ulong)size, (Tmds.Linux.off_t)(long)header.PayloadOffset);
            return (long)read == size ? null : $"the {kind}'s control block could not be read";
        }
    }

    private static string? RingProblem(string kind, uint version, uint currentVersion, uint capacity) =>
        version != currentVersion ? $"{kind} protocol version {version}; this ShmGen reads version {currentVersion}"
        : capacity is < 2 or > 1 << 24 || (capacity & (capacity - 1)) != 0 ? $"the {kind}'s control block says capacity {capacity}, not a power of two in [2, 2^24]"
        : null;

    /// <summary>The payload's fields, decoded from the stored layout; read with one pread, never mapped.</summary>
    private static IReadOnlyList<SegmentFieldValue>? ReadValues(int fd, SegmentInfo info)
    {
        if (info.Status != SegmentStatus.Ready || info.Kind != SegmentKind.Segment || info.Layout is not { } layout
            || info.PayloadOffset is not { } offset || info.PayloadSize is not { } payloadSize)
        {
            return null;
        }

        var needed = FieldValues.BytesNeeded(layout, (long)Math.Min(payloadSize, long.MaxValue), MaxValueBytes);
        var buffer = new byte[needed];
        var filled = 0;
        fixed (byte* p = buffer)
        {
            while (filled < needed)
            {
                var read = (long)pread(fd, p + filled, (Tmds.Linux.size_t)(ulong)(needed - filled), (Tmds.Linux.off_t)((long)offset + filled));
                if (read <= 0)
                {
                    break; // shrunk under us: the fields past the end are reported as not read
                }

                filled += (int)read;
            }
        }

        return FieldValues.Decode(layout, buffer.AsSpan(0, filled), (long)payloadSize);
    }

    private static string? ReadUtf8(byte* text, uint length, int capacity)
    {
        if (length == 0 || length > capacity)
        {
            return null;
        }

        // Lenient: a description cut at its capacity may end inside a UTF-8 sequence.
        return Encoding.UTF8.GetString(text, (int)length);
    }

    private static string Octal(int mode) => "0" + Convert.ToString(mode, 8);

    /// <summary>An open file in /dev/shm and what it decoded to; closing it drops any flock taken on it.</summary>
    private sealed class ExaminedFile(SegmentInfo info, int fd, ulong device, ulong inode) : IDisposable
    {
        public SegmentInfo Info { get; } = info;

        /// <summary>
        /// Unlinks the name if it still names the file that was examined (a name replaced in between is left alone):
        /// the runtime's one unlink-if-same routine, under the same removal lock. <see langword="false"/> with errno 0
        /// when it was replaced, with the errno when unlink failed.
        /// </summary>
        public bool UnlinkIfStillSameFile()
        {
            Marshal.SetLastPInvokeError(0);
            if (fd < 0)
            {
                return false;
            }

            try
            {
                return ShmFile.UnlinkIfSame(Info.Name, new FileId(device, inode));
            }
            catch (SharedSegmentException error)
            {
                Marshal.SetLastPInvokeError(error.ErrorNumber ?? Errno.EPERM);
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                Marshal.SetLastPInvokeError(Errno.EACCES);
                return false;
            }
        }

        public void Dispose()
        {
            if (fd >= 0)
            {
                close(fd);
            }
        }
    }
}
