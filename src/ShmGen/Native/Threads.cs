using System.Runtime.InteropServices;

namespace ShmGen.Native;

/// <summary>Thread identity calls Tmds.LibC does not bind.</summary>
internal static class Threads
{
    // gettid has no glibc wrapper before 2.30 on every distribution; the raw syscall is everywhere (x86-64: 186, arm64: 178).
    private static readonly int s_gettid = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 186 : 178;

    /// <summary>The calling thread's kernel thread id (unique system-wide while the thread lives).</summary>
    public static int CurrentThreadId() => (int)Tmds.Linux.LibC.syscall(s_gettid);
}
