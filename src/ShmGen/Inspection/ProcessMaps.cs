using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace ShmGen.Inspection;

/// <summary>
/// Which processes map which files of /dev/shm, from /proc/PID/maps: one pass over every process for any number of
/// segments. A process's maps can be read by its own user and by root only, so the others are counted, not guessed.
/// </summary>
internal static class ProcessMaps
{
    /// <summary>The pids mapping each file (by device and inode), and how many processes could not be checked.</summary>
    public static (Dictionary<(ulong Device, ulong Inode), List<int>> Mappers, int Unchecked) Scan(IReadOnlyCollection<(ulong Device, ulong Inode)> files)
    {
        var wanted = new HashSet<(ulong, ulong)>(files);
        var mappers = new Dictionary<(ulong Device, ulong Inode), List<int>>();
        var uncheckable = 0;
        if (wanted.Count == 0)
        {
            return (mappers, 0);
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var seen = new HashSet<(ulong, ulong)>();
            try
            {
                foreach (var line in File.ReadLines(directory + "/maps"))
                {
                    if (line.Contains(" /dev/shm/", StringComparison.Ordinal) && Parse(line) is { } file && wanted.Contains(file) && seen.Add(file))
                    {
                        if (!mappers.TryGetValue(file, out var pids))
                        {
                            mappers[file] = pids = [];
                        }

                        pids.Add(pid);
                    }
                }
            }
            catch (UnauthorizedAccessException)
            {
                uncheckable++;
            }
            catch (IOException)
            {
                // The process exited while being read (ESRCH/ENOENT): it maps nothing any more.
            }
        }

        foreach (var pids in mappers.Values)
        {
            pids.Sort();
        }

        return (mappers, uncheckable);
    }

    /// <summary>The device and inode of a maps line (<c>start-end perms offset MM:mm inode path</c>).</summary>
    private static (ulong Device, ulong Inode)? Parse(string line)
    {
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6)
        {
            return null;
        }

        var colon = fields[3].IndexOf(':', StringComparison.Ordinal);
        if (colon < 0
            || !ulong.TryParse(fields[3].AsSpan(0, colon), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var major)
            || !ulong.TryParse(fields[3].AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var minor)
            || !ulong.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
        {
            return null;
        }

        return (MakeDevice(major, minor), inode);
    }

    /// <summary>glibc's makedev: the dev_t that fstat reports for a major:minor pair.</summary>
    private static ulong MakeDevice(ulong major, ulong minor) =>
        ((major & 0xFFFF_F000UL) << 32) | ((major & 0xFFFUL) << 8) | ((minor & 0xFFFF_FF00UL) << 12) | (minor & 0xFFUL);
}
