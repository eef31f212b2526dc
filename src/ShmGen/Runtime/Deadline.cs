using System;
using System.Diagnostics;
using System.Threading;

namespace ShmGen.Runtime;

/// <summary>Timeouts as Stopwatch timestamps, so a retry loop compares one number with <see cref="Stopwatch.GetTimestamp"/>.</summary>
internal static class Deadline
{
    /// <summary>The timestamp <paramref name="timeout"/> from now; <see cref="long.MaxValue"/> for <see cref="Timeout.InfiniteTimeSpan"/>.</summary>
    public static long After(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
}
