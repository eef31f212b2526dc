namespace ShmGen.Benchmarks.Ipc;

/// <summary>One row family of the ipc table: a way for two processes to hand each other a message.</summary>
internal interface IIpcMechanism
{
    /// <summary>The fixed name in the table and the JSON (<c>pipe</c>, <c>shmgen-segment</c>, ...).</summary>
    string Name { get; }

    /// <summary>How the table shows the row: the name, and a warning where the name alone would mislead.</summary>
    string Label => Name;

    /// <summary>Runs the ping-pong between two processes and returns the measured round trips.</summary>
    RoundTripSamples Measure(IpcRunSettings settings);
}

/// <summary>What one measurement runs: message size, how many round trips, where scratch files go, which CPUs.</summary>
/// <param name="MessageSize">Bytes per message, every one written by the sender and read by the receiver.</param>
/// <param name="WarmupRoundTrips">Round trips run and thrown away first (JIT tiering, page faults, caches).</param>
/// <param name="RoundTrips">Round trips measured after the warm-up.</param>
/// <param name="ScratchDirectory">A private directory for files, FIFOs and sockets; deleted by the caller.</param>
/// <param name="ShmPrefix">Prefix for names in /dev/shm, unique per run, so a leftover can be found and removed.</param>
/// <param name="Cpus">The CPU for the parent and the one for the child, or <see langword="null"/> when not pinned.</param>
internal sealed record IpcRunSettings(int MessageSize, int WarmupRoundTrips, int RoundTrips, string ScratchDirectory, string ShmPrefix, CpuPair? Cpus);

/// <summary>Two distinct CPUs the parent and the child are pinned to.</summary>
internal sealed record CpuPair(int Parent, int Child);
