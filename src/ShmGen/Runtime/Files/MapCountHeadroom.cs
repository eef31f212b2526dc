using System;
using System.Globalization;
using System.IO;
using System.Threading;

namespace ShmGen.Runtime.Files;

/// <summary>
/// Refuses a new mapping while the process is close to vm.max_map_count: at the limit mmap fails, and before ShmGen
/// would see that the .NET runtime itself aborts (it maps memory for the GC and the JIT, measured at about 65,000
/// mappings with the default 65,530). So a margin of 5% of the limit (at least 1,000) stays free for the runtime, and
/// <see cref="ShmFile.Map"/> throws <see cref="OutOfSharedMemoryException"/> instead. Counting means reading
/// /proc/self/maps, so it is done rarely: after a count, the next one is due after a quarter of the headroom it showed
/// has been used by ShmGen's own mappings (every map, once close to the limit).
/// </summary>
internal static class MapCountHeadroom
{
    /// <summary>
    /// Test-only: a limit to use instead of /proc/sys/vm/max_map_count, read once per process, so a test can bring the
    /// limit within reach without changing the system-wide sysctl. Not for production use.
    /// </summary>
    public const string TestLimitVariable = "SHMGEN_TEST_MAX_MAP_COUNT";

    private const int MinimumMargin = 1000;

    private static readonly Lazy<int> s_limit = new(ReadLimit);
    private static int s_mapsUntilCount;

    /// <summary>The limit in force (0: unknown, never refused).</summary>
    public static int Limit => s_limit.Value;

    /// <summary>The mappings kept free below <see cref="Limit"/>.</summary>
    public static int Margin => Math.Max(MinimumMargin, Limit / 20);

    /// <summary>Throws when a new mapping would eat into the margin; called before each of ShmGen's mmaps.</summary>
    public static void EnsureRoomFor(string name)
    {
        var limit = Limit;
        if (limit <= 0 || Interlocked.Decrement(ref s_mapsUntilCount) > 0)
        {
            return;
        }

        var count = CountMappings();
        var headroom = limit - Margin - count;
        if (headroom <= 0)
        {
            Volatile.Write(ref s_mapsUntilCount, 0);
            throw new OutOfSharedMemoryException(
                name,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Mapping shared memory segment '/{name}' refused: this process has {count} memory mappings, within {Margin} of the kernel's limit " +
                    $"vm.max_map_count = {limit}, and near the limit the .NET runtime itself aborts. Dispose segments no longer used, or raise the " +
                    $"limit (sysctl -w vm.max_map_count=N, or /etc/sysctl.d)."));
        }

        Volatile.Write(ref s_mapsUntilCount, Math.Max(1, headroom / 4));
    }

    /// <summary>Lines of /proc/self/maps: one per mapping.</summary>
    public static int CountMappings()
    {
        try
        {
            using var maps = new FileStream("/proc/self/maps", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            Span<byte> buffer = stackalloc byte[16384];
            var lines = 0;
            int read;
            while ((read = maps.Read(buffer)) > 0)
            {
                lines += buffer[..read].Count((byte)'\n');
            }

            return lines;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static int ReadLimit()
    {
        var text = Environment.GetEnvironmentVariable(TestLimitVariable);
        if (string.IsNullOrEmpty(text))
        {
            try
            {
                text = File.ReadAllText("/proc/sys/vm/max_map_count");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }

        return int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit : 0;
    }
}
