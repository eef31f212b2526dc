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
}
