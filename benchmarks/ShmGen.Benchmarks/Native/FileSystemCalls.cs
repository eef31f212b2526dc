using System;
using System.Runtime.InteropServices;
using System.Text;
using static Tmds.Linux.LibC;

namespace ShmGen.Benchmarks.Native;

internal static unsafe class FileSystemCalls
{
    public static void MakeFifo(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            if (mkfifo(p, 0x180) != 0)
            {
                throw new InvalidOperationException($"mkfifo({path}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }
}
