using System;
using System.Globalization;
using System.IO;

namespace ShmGen.Runtime;

/// <summary>
/// A process named by pid plus start time (clock ticks since boot, /proc/PID/stat field 22): unlike a bare pid, the
/// pair cannot be confused with a later process that reuses the pid.
/// </summary>
internal static class ProcessIdentity
{
    private static readonly Lazy<ulong> s_selfStartTime = new(() => ReadStartTime(Environment.ProcessId) ?? 0);

    public static ulong CurrentStartTime => s_selfStartTime.Value;

    /// <summary>Whether the process that had <paramref name="pid"/> and <paramref name="startTime"/> still runs.</summary>
    public static bool IsAlive(int pid, ulong startTime)
    {
        if (pid <= 0)
        {
            return false;
        }

        var actual = ReadStartTime(pid);
        return actual is not null && (startTime == 0 || actual.Value == startTime);
    }

    /// <summary>The start time of <paramref name="pid"/>, or <see langword="null"/> when no such process exists.</summary>
    public static ulong? ReadStartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself hold spaces or ')': fields resume after the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat.Substring(close + 2).Split(' ');
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        return fields.Length > 19 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? ticks
            : null;
    }
}
