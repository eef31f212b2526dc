using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using ShmGen.Benchmarks.Native;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// Notification only, no data: SIGUSR1 sent with tgkill to the peer's measuring thread, which takes it synchronously
/// with sigwaitinfo (no handler, no runtime signal thread in the path). The lower bound of any signal-based protocol.
/// </summary>
internal sealed class SignalMechanism : ChildProcessMechanism
{
    public override string Name => "signal";

    protected override bool CarriesData => false;

    protected override IParentChannel CreateParent(IpcRunSettings settings)
    {
        ThreadSignals.BlockOnCurrentThread();
        return new Parent(Environment.ProcessId, ThreadSignals.CurrentThreadId());
    }

    protected override IMessageChannel OpenChild(int messageSize, string argument)
    {
        // The parent signals the child's main thread, whose thread id is the process id; Main runs on it.
        if (ThreadSignals.CurrentThreadId() != Environment.ProcessId)
        {
            throw new InvalidOperationException("the signal child must measure on its main thread");
        }

        ThreadSignals.BlockOnCurrentThread();
        var ids = argument.Split(',');
        return new Ends(int.Parse(ids[0], CultureInfo.InvariantCulture), int.Parse(ids[1], CultureInfo.InvariantCulture));
    }

    private class Ends(int peerProcess, int peerThread) : IMessageChannel
    {
        protected int PeerProcess { get; set; } = peerProcess;

        protected int PeerThread { get; set; } = peerThread;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message) => ThreadSignals.Send(PeerProcess, PeerThread);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message) => ThreadSignals.Wait();

        public void Dispose()
        {
        }
    }

    private sealed class Parent(int process, int thread) : Ends(0, 0), IParentChannel
    {
        public string ChildArgument => string.Create(CultureInfo.InvariantCulture, $"{process},{thread}");

        public void Connect(Process child)
        {
            PeerProcess = child.Id;
            PeerThread = child.Id;
        }
    }
}
