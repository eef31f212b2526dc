using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Runtime;

/// <summary>
/// Timeouts as Stopwatch timestamps, so every wait loop compares one number with <see cref="Stopwatch.GetTimestamp"/>,
/// and the one place a caller's <see cref="TimeSpan"/> is judged: <see cref="Timeout.InfiniteTimeSpan"/> and anything
/// beyond int.MaxValue milliseconds wait forever (as the BCL's waits do), any other negative value is
/// <see cref="ArgumentOutOfRangeException"/>.
/// </summary>
internal static class Deadline
{
    /// <summary>The deadline of a wait that never ends.</summary>
    public const long Never = long.MaxValue;

    private const long MaxFiniteTicks = int.MaxValue * TimeSpan.TicksPerMillisecond;

    /// <summary>The timestamp <paramref name="timeout"/> from now, or <see cref="Never"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative timeout other than <see cref="Timeout.InfiniteTimeSpan"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long After(TimeSpan timeout, [CallerArgumentExpression(nameof(timeout))] string? parameterName = null)
    {
        if (IsInfinite(timeout, parameterName))
        {
            return Never;
        }

        return Stopwatch.GetTimestamp() + (long)(timeout.Ticks * ((double)Stopwatch.Frequency / TimeSpan.TicksPerSecond));
    }

    /// <summary>Whether <paramref name="timeout"/> means "wait forever"; validates it as <see cref="After"/> does.</summary>
    public static bool IsInfinite(TimeSpan timeout, [CallerArgumentExpression(nameof(timeout))] string? parameterName = null)
    {
        var ticks = timeout.Ticks;
        if (ticks >= 0)
        {
            return ticks > MaxFiniteTicks;
        }

        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return true;
        }

        throw new ArgumentOutOfRangeException(
            parameterName, timeout, "A timeout must be non-negative, or Timeout.InfiniteTimeSpan to wait forever.");
    }

    /// <summary>Validates <paramref name="timeout"/> as <see cref="After"/> does, without computing a deadline.</summary>
    public static void Validate(TimeSpan timeout, [CallerArgumentExpression(nameof(timeout))] string? parameterName = null) =>
        IsInfinite(timeout, parameterName);

    /// <summary>How long until <paramref name="deadline"/>: <see cref="Timeout.InfiniteTimeSpan"/> for <see cref="Never"/>,
    /// <see cref="TimeSpan.Zero"/> once it passed.</summary>
    public static TimeSpan Remaining(long deadline)
    {
        if (deadline == Never)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var left = deadline - Stopwatch.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(left * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
    }

    /// <summary>Whether <paramref name="deadline"/> has passed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasPassed(long deadline) => deadline != Never && Stopwatch.GetTimestamp() >= deadline;

    /// <summary>The smaller of <paramref name="slice"/> and what is left until <paramref name="deadline"/>.</summary>
    public static TimeSpan Slice(long deadline, TimeSpan slice)
    {
        var remaining = Remaining(deadline);
        return remaining == Timeout.InfiniteTimeSpan || remaining > slice ? slice : remaining;
    }
}
