using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// A generated [SharedSegment] used as a user would write a hand-off with nothing but the public API: the sender takes
/// the lock, copies the message in, gives the turn to the other side and calls <c>NotifyAll</c>; the receiver takes the
/// lock and <c>Wait</c>s until the turn is its own, then copies every byte out.
/// </summary>
internal sealed class ShmGenWaitNotifyMechanism : ChildProcessMechanism
{
    public override string Name => "shmgen-wait-notify";

    protected override IParentChannel CreateParent(IpcRunSettings settings) =>
        new Parent(WaitNotifyChannelSegment.Create(new SegmentOptions { Name = settings.ShmPrefix + "waitnotify" }));

    protected override IMessageChannel OpenChild(int messageSize, string argument) =>
        new Ends(WaitNotifyChannelSegment.Open(new SegmentOptions { Name = argument }), isParent: false);

    private class Ends(WaitNotifyChannelSegment segment, bool isParent) : IMessageChannel
    {
        private readonly int _mine = isParent ? 0 : 1;

        protected WaitNotifyChannelSegment Segment => segment;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message)
        {
            using var guard = segment.Lock();
            message.CopyTo(guard.Message);
            guard.Turn = 1 - _mine;
            guard.NotifyAll();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message)
        {
            using var guard = segment.Lock();
            while (guard.Turn != _mine)
            {
                guard.Wait();
            }

            guard.Message[..message.Length].CopyTo(message);
        }

        public virtual void Dispose() => segment.Dispose();
    }

    private sealed class Parent(WaitNotifyChannelSegment segment) : Ends(segment, isParent: true), IParentChannel
    {
        public string ChildArgument => Segment.Name;

        public void Connect(Process child)
        {
        }

        public override void Dispose()
        {
            Segment.Unlink();
            base.Dispose();
        }
    }
}
