using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ShmGen.Benchmarks.Native;

/// <summary>Pins the calling thread to one CPU (sched_setaffinity on the thread, not the whole process).</summary>
internal static unsafe class CpuAffinity
{
    /// <summary>The first two CPUs this process may run on, or <see langword="null"/> when there are fewer than two.</summary>
    public static (int First, int Second)? TwoAllowedCpus()
    {
        cpu_set_t set;
        if (sched_getaffinity(0, (size_t)sizeof(cpu_set_t), &set) != 0)
        {
            return null;
        }

        var allowed = new List<int>();
        for (var cpu = 0; cpu < CPU_SETSIZE && allowed.Count < 2; cpu++)
        {
            if (CPU_ISSET(cpu, &set))
            {
                allowed.Add(cpu);
            }
        }

        return allowed.Count == 2 ? (allowed[0], allowed[1]) : null;
    }

    public static void PinCurrentThread(int cpu)
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, (size_t)sizeof(cpu_set_t), &set) != 0)
        {
            throw new InvalidOperationException($"sched_setaffinity(cpu {cpu}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
