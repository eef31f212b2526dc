using System;

namespace ShmGen.Benchmarks.Micro;

/// <summary>The payload of the micro benchmarks' segment: four 64-bit fields on one cache line.</summary>
[SharedSegment("shmgen-bench-micro")]
public partial struct MicroCounters
{
    /// <summary>Field 1.</summary>
    public long A;

    /// <summary>Field 2.</summary>
    public long B;

    /// <summary>Field 3.</summary>
    public long C;

    /// <summary>Field 4.</summary>
    public long D;
}

/// <summary>Unique /dev/shm names per benchmark process, so runs never collide and leftovers are recognizable.</summary>
internal static class MicroNames
{
    public static string Unique(string what) => $"shmgen-bench-{what}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..48];
}
