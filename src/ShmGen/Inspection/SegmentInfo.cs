using System.Collections.Generic;
using System.IO;
using ShmGen.Runtime;

namespace ShmGen.Inspection;

/// <summary>What a file in /dev/shm turned out to be.</summary>
public enum SegmentStatus
{
    /// <summary>A ShmGen segment whose creator published it: every header field below is valid.</summary>
    Ready,

    /// <summary>A ShmGen segment whose creator has not published it yet: still initializing if the creator lives,
    /// a leftover of a crash if it died.</summary>
    Initializing,

    /// <summary>The file starts like a ShmGen segment but its header is inconsistent, truncated or of an unknown
    /// format version: <see cref="SegmentInfo.Problem"/> says what.</summary>
    Corrupted,

    /// <summary>Not a ShmGen segment (another program's shared memory, a POSIX semaphore, a Raw-format segment, which has no
    /// header, or an empty file): <see cref="SegmentInfo.Problem"/> says why.</summary>
    NotShmGen,

    /// <summary>The file could not be read (usually another user's segment): <see cref="SegmentInfo.Problem"/> says why.</summary>
    Unreadable,
}

/// <summary>The state of a segment's robust process-shared lock, as seen from outside.</summary>
public enum SegmentLockState
{
    /// <summary>Nobody holds the lock.</summary>
    Free,

    /// <summary>A live thread holds the lock.</summary>
    Held,

    /// <summary>The thread that held the lock died holding it: the next <c>Lock()</c> acquires it with
    /// <c>WasAbandoned</c> set and runs the repair hook.</summary>
    Abandoned,

    /// <summary>A holder died and the repair of the data did not complete: the lock can never be taken again; recreate
    /// the segment.</summary>
    NotRecoverable,
}

/// <summary>Who holds a segment's lock.</summary>
/// <param name="State">Free, held by a live thread, abandoned by a dead one, or not recoverable.</param>
/// <param name="OwnerThreadId">The kernel thread id (TID) of the holder, or 0 when free or unknown.</param>
/// <param name="OwnerProcessId">The process (thread group) of the holder, or <see langword="null"/> when the lock is free or
/// its holder no longer exists.</param>
public sealed record SegmentLockInfo(SegmentLockState State, int OwnerThreadId, int? OwnerProcessId);

/// <summary>A queue's control block as read from outside: how many items it holds and how many it can.</summary>
/// <param name="Capacity">How many items the ring holds at most.</param>
/// <param name="Count">Items enqueued and not yet dequeued (a producer still copying its item in counts already).</param>
/// <param name="EnqueuePosition">How many items were ever enqueued, modulo 2^32: the difference between two reads is
/// the number enqueued in between.</param>
/// <param name="DequeuePosition">How many items were ever dequeued, modulo 2^32.</param>
public sealed record SegmentQueueInfo(int Capacity, int Count, uint EnqueuePosition, uint DequeuePosition);

/// <summary>A topic's control block as read from outside: how many items it keeps and how many were published.</summary>
/// <param name="Capacity">How many of the latest items the ring keeps.</param>
/// <param name="NextSequence">How many items publishers have claimed: the sequence number the next item gets (the last
/// published item's is one less, once its publisher finished copying it).</param>
public sealed record SegmentTopicInfo(int Capacity, long NextSequence);

/// <summary>The current value of one payload field, read without the segment's lock (a field a writer is changing at
/// that moment may show a torn value).</summary>
/// <param name="Field">The field, from the stored layout description.</param>
/// <param name="Value">The value as invariant text (numbers in full precision, buffers as lists or hex), or
/// <see langword="null"/> when it could not be decoded.</param>
/// <param name="Problem">Why <paramref name="Value"/> is <see langword="null"/>.</param>
public sealed record SegmentFieldValue(SegmentFieldInfo Field, string? Value, string? Problem);

/// <summary>
/// One file in /dev/shm as <see cref="SegmentInspector"/> found it: the decoded header of a ShmGen segment, plus what
/// the kernel knows (size, mode, owner, whether any process maps it). A snapshot: the segment may change right after.
/// </summary>
public sealed class SegmentInfo
{
    internal SegmentInfo(string name, SegmentStatus status)
    {
        Name = name;
        Status = status;
    }

    /// <summary>The POSIX name, without the leading '/'.</summary>
    public string Name { get; }

    /// <summary>The file behind the name.</summary>
    public string Path => Runtime.Files.ShmFile.Directory + Name;

    /// <summary>What the file is.</summary>
    public SegmentStatus Status { get; }

    /// <summary>Why the segment is not <see cref="SegmentStatus.Ready"/>; <see langword="null"/> when it is.</summary>
    public string? Problem { get; internal init; }

    /// <summary>Whether the file is a ShmGen segment (ready, initializing or with a corrupted header).</summary>
    public bool IsShmGenSegment => Status is SegmentStatus.Ready or SegmentStatus.Initializing or SegmentStatus.Corrupted;

    /// <summary>The file's size in bytes (0 when it could not be examined).</summary>
    public long FileSize { get; internal init; }

    /// <summary>The file's permission bits.</summary>
    public UnixFileMode Mode { get; internal init; }

    /// <summary>The uid that owns the file.</summary>
    public uint OwnerUserId { get; internal init; }

    /// <summary>Segment or queue; <see langword="null"/> unless the header could be read.</summary>
    public SegmentKind? Kind { get; internal init; }

    /// <summary>The C# type the segment was created for.</summary>
    public string? TypeName { get; internal init; }

    /// <summary>The header's format version.</summary>
    public uint? FormatVersion { get; internal init; }

    /// <summary>The layout fingerprint the creator's build computed.</summary>
    public ulong? LayoutFingerprint { get; internal init; }

    /// <summary>Where the payload starts in the file.</summary>
    public ulong? PayloadOffset { get; internal init; }

    /// <summary>The payload's size in bytes.</summary>
    public ulong? PayloadSize { get; internal init; }

    /// <summary>The segment's size as its header records it (header plus padded payload).</summary>
    public ulong? TotalSize { get; internal init; }

    /// <summary>The pid of the process that created the segment.</summary>
    public int? CreatorProcessId { get; internal init; }

    /// <summary>Whether the creator still runs (pid and start time match, so a reused pid does not count).</summary>
    public bool CreatorAlive { get; internal init; }

    /// <summary>
    /// Whether any process maps the segment (or has it open to map it): every ShmGen mapping holds a shared flock on the
    /// file for its lifetime, so this is exactly "an exclusive flock would fail". <see langword="null"/> when the file
    /// could not be opened.
    /// </summary>
    public bool? InUse { get; internal init; }

    /// <summary>The lock's holder; <see langword="null"/> unless the segment is <see cref="SegmentStatus.Ready"/>.</summary>
    public SegmentLockInfo? Lock { get; internal init; }

    /// <summary>The canonical layout description stored in the header (<c>size=N;align=N;Field:Type@Offset;...</c>).</summary>
    public string? LayoutDescription { get; internal init; }

    /// <summary>The layout description, decoded.</summary>
    public SegmentLayoutInfo? Layout { get; internal init; }

    /// <summary>A queue's capacity and depth; <see langword="null"/> unless this is a <see cref="SegmentStatus.Ready"/>
    /// queue whose control block is consistent (<see cref="Problem"/> says when it is not).</summary>
    public SegmentQueueInfo? Queue { get; internal init; }

    /// <summary>A topic's capacity and publish count; <see langword="null"/> for segments, queues, and topics whose control
    /// block could not be trusted (<see cref="Problem"/> says why).</summary>
    public SegmentTopicInfo? Topic { get; internal init; }

    /// <summary>
    /// The processes that map the file, from /proc/PID/maps; <see langword="null"/> when not looked up. Only processes
    /// whose maps this user may read are seen: <see cref="UncheckedProcessCount"/> says how many could not be.
    /// </summary>
    public IReadOnlyList<int>? MappedBy { get; internal set; }

    /// <summary>How many processes' /proc/PID/maps could not be read (other users' processes, unless running as root):
    /// any of them may map the segment too.</summary>
    public int UncheckedProcessCount { get; internal set; }

    /// <summary>The current value of every payload field, in layout order; <see langword="null"/> unless asked for and
    /// the segment is a <see cref="SegmentStatus.Ready"/> segment with a decoded layout.</summary>
    public IReadOnlyList<SegmentFieldValue>? Values { get; internal set; }

    /// <summary>The file's device and inode: a name that is removed and created again is another file.</summary>
    internal (ulong Device, ulong Inode) FileId { get; init; }

    /// <summary>
    /// A ShmGen segment that nothing can still use: its creator is dead and no process maps it. <c>shmgen gc</c> removes
    /// exactly these; a segment in use, a live creator's, or a file that is not a ShmGen segment never qualifies.
    /// </summary>
    public bool IsStale =>
        Status is SegmentStatus.Ready or SegmentStatus.Initializing && CreatorProcessId is not null && !CreatorAlive && InUse == false;
}
