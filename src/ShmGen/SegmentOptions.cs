using System;
using System.IO;
using System.Threading;

namespace ShmGen;

/// <summary>Run-time choices for creating or opening a segment; every property overrides the attribute's value.</summary>
public sealed class SegmentOptions
{
    /// <summary>The options used when a caller passes none.</summary>
    internal static readonly SegmentOptions Default = new();

    /// <summary>The POSIX name to use instead of the attribute's (tests use unique names). Validated before any system call.</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The permission bits to create with and the most an opener accepts; <see langword="null"/> uses the attribute's
    /// <c>Mode</c>. Granting group or other access opts into sharing between users.
    /// </summary>
    public UnixFileMode? Mode { get; init; }

    /// <summary>
    /// How long <c>Open</c> waits for a creator that is still initializing the segment before it throws
    /// <see cref="SegmentNotInitializedException"/>. Default: 5 seconds.
    /// </summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The timeout of <c>Lock()</c> without an argument. Default: <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public TimeSpan LockTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>
    /// How long <c>Open</c> waits for a name that does not exist yet (a monitor started before its collector) before it
    /// throws <see cref="SegmentNotFoundException"/>. It sleeps on an inotify watch of /dev/shm and retries when the name
    /// appears, not in a polling loop. Default: <see cref="TimeSpan.Zero"/> (fail at once);
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits forever. Applies to segments and queues.
    /// </summary>
    public TimeSpan WaitForCreation { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Whether a segment or queue this process creates (by <c>Create</c>, or by <c>OpenOrCreate</c> when it was the
    /// creator) is unlinked when the process exits normally or on SIGINT, SIGTERM, SIGHUP or SIGQUIT; the signal then
    /// terminates the process as it would have. Only the file this process created is removed, never a newer segment
    /// under the same name. SIGKILL leaves it for <c>shmgen gc</c>. Default: <see langword="false"/>.
    /// </summary>
    public bool UnlinkOnExit { get; init; }
}
