using System;
using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ShmGen.Benchmarks.Native;

/// <summary>
/// Signals aimed at one thread: the receiving thread blocks the signal and takes it synchronously with sigwaitinfo, the
/// sender directs it with tgkill. Directed at a thread that blocks it, the signal stays pending for that thread only, so
/// the runtime's other threads (which do not block it) never see it and its default action never runs.
/// </summary>
internal static unsafe class ThreadSignals
{
    public static readonly int Signal = SIGUSR1;

    // x86-64 / asm-generic syscall numbers: glibc's gettid/tgkill wrappers are not in Tmds.LibC.
    private static readonly bool s_x64 = RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public static int CurrentThreadId() => (int)syscall(s_x64 ? 186 : 178);

    public static void BlockOnCurrentThread()
    {
        var set = SignalSet();
        var result = pthread_sigmask(SIG_BLOCK, &set, null);
        if (result != 0)
        {
            throw new InvalidOperationException($"pthread_sigmask failed: {result}");
        }
    }

    public static void Send(int processId, int threadId)
    {
        if ((long)syscall(s_x64 ? 234 : 131, processId, threadId, Signal) != 0)
        {
            throw new InvalidOperationException($"tgkill({processId}, {threadId}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void Wait()
    {
        var set = SignalSet();
        while (true)
        {
            var signal = sigwaitinfo(&set, null);
            if (signal == Signal)
            {
                return;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (signal < 0 && errno != EINTR)
            {
                throw new InvalidOperationException($"sigwaitinfo failed: errno {errno}");
            }
        }
    }

    private static sigset_t SignalSet()
    {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, Signal);
        return set;
    }
}
