using System;
using System.Globalization;
using System.IO;

namespace ShmGen.Runtime;

/// <summary>
/// A process named by pid plus start time (clock ticks since boot, /proc/PID/stat field 22): unlike a bare pid, the
/// pair cannot be confused with a later process that reuses the pid. The one reader of /proc/PID/stat in ShmGen.
/// </summary>
internal static class ProcessIdentity
{
    private static readonly Lazy<ulong> s_selfStartTime = new(() => ReadStat(Environment.ProcessId)?.StartTime ?? 0);

    public static ulong CurrentStartTime => s_selfStartTime.Value;

    /// <summary>
    /// Whether the process that had <paramref name="pid"/> and <paramref name="startTime"/> still runs: it exists, is
    /// not a zombie waiting to be reaped (it can never touch shared memory again), and, when a start time is known, has
    /// that start time.
    /// </summary>
    public static bool IsAlive(int pid, ulong startTime)
    {
        if (pid <= 0 || ReadStat(pid) is not { } stat || IsDead(stat.State))
        {
            return false;
        }

        return startTime == 0 || stat.StartTime == startTime;
    }

    /// <summary>
    /// Whether the process or thread <paramref name="id"/> is gone, judged from a claim that recorded its id and the low
    /// bits of its start time (<paramref name="stamp"/>, masked by <paramref name="stampMask"/>): no such id, a zombie
    /// (killed, not yet reaped: it can never touch shared memory again), or an id now held by a task with another start
    /// time. A zero stamp means the claimer could not read its own start time: then only the id is checked. Works for
    /// thread ids too (/proc/TID/stat and kill(TID, 0) answer for any thread).
    /// </summary>
    public static bool IsGone(int id, uint stamp, uint stampMask)
    {
        if (id <= 0)
        {
            return true;
        }

        if (Tmds.Linux.LibC.kill(id, 0) != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.ESRCH)
        {
            return true;
        }

        var stat = ReadStat(id);
        if (stat is null)
        {
            // Vanished between kill and the read, or /proc is not readable: trust kill, which said it exists.
            return Tmds.Linux.LibC.kill(id, 0) != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Tmds.Linux.LibC.ESRCH;
        }

        var (state, startTime) = stat.Value;
        if (IsDead(state))
        {
            return true;
        }

        return stamp != 0 && startTime is { } ticks && (uint)(ticks & stampMask) != stamp;
    }

    /// <summary>Whether a /proc state letter means the process has exited (zombie or dead).</summary>
    public static bool IsDead(char state) => state is 'Z' or 'X' or 'x';

    /// <summary>The state letter (field 3) and start time (field 22) of <paramref name="pid"/>, or <see langword="null"/>
    /// when there is no such process or /proc cannot be read.</summary>
    public static (char State, ulong? StartTime)? ReadStat(int pid)
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
        if (close < 0 || close + 2 >= stat.Length)
        {
            return null;
        }

        var fields = stat.Substring(close + 2).Split(' ');
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
        ulong? startTime = fields.Length > 19 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
        return (fields[0].Length > 0 ? fields[0][0] : '?', startTime);
    }
}
