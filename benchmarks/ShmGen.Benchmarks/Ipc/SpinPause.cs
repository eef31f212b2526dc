using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>The CPU's spin-wait hint (x86 PAUSE, arm64 YIELD): what C's cpu_relax() emits, with no calibration loop.</summary>
internal static class SpinPause
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Once()
    {
        if (X86Base.IsSupported)
        {
            X86Base.Pause();
        }
        else if (ArmBase.IsSupported)
        {
            ArmBase.Yield();
        }
        else
        {
            Thread.SpinWait(1);
        }
    }
}
