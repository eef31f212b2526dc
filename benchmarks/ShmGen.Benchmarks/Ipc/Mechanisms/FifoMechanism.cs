using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using ShmGen.Benchmarks.Native;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>Two named pipes (<c>mkfifo</c>) in the scratch directory, opened by path from both sides.</summary>
internal sealed class FifoMechanism : ChildProcessMechanism
{
    public override string Name => "fifo";

    protected override IParentChannel CreateParent(IpcRunSettings settings)
    {
        var ping = Path.Combine(settings.ScratchDirectory, "fifo-ping");
        var pong = Path.Combine(settings.ScratchDirectory, "fifo-pong");
        FileSystemCalls.MakeFifo(ping);
        FileSystemCalls.MakeFifo(pong);
        return new Parent(ping, pong);
    }

    // Opening a FIFO blocks until the other side opens it too; both sides open "ping" first, so they never deadlock.
    protected override IMessageChannel OpenChild(int messageSize, string argument)
    {
        var paths = argument.Split(Path.PathSeparator);
        var input = Open(paths[0], FileAccess.Read);
        var output = Open(paths[1], FileAccess.Write);
        return new Ends(output, input);
    }

    private static FileStream Open(string path, FileAccess access) =>
        new(path, FileMode.Open, access, FileShare.ReadWrite, bufferSize: 0);

    private class Ends(Stream? output, Stream? input) : IMessageChannel
    {
        protected Stream? Output { get; set; } = output;

        protected Stream? Input { get; set; } = input;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message) => Output!.Write(message);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message) => Input!.ReadExactly(message);

        public void Dispose()
        {
            Output?.Dispose();
            Input?.Dispose();
        }
    }

    private sealed class Parent(string ping, string pong) : Ends(null, null), IParentChannel
    {
        public string ChildArgument => ping + Path.PathSeparator + pong;

        public void Connect(Process child)
        {
            Output = Open(ping, FileAccess.Write);
            Input = Open(pong, FileAccess.Read);
        }
    }
}
