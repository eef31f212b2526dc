using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// A generated [SharedSegment] (<see cref="PingPongChannelSegment"/>) with a spin-then-futex hand-off per direction,
/// using <see cref="Futex"/> from the ShmGen runtime. The lock is not involved: the sequence word orders the data.
/// </summary>
internal sealed class ShmGenSegmentMechanism : ChildProcessMechanism
{
    public override string Name => "shmgen-segment";

    protected override IParentChannel CreateParent(IpcRunSettings settings)
    {
        var name = settings.ShmPrefix + "segment";
        var segment = PingPongChannelSegment.Create(new SegmentOptions { Name = name });
        return new Parent(segment);
    }

    protected override IMessageChannel OpenChild(int messageSize, string argument) =>
        new Ends(PingPongChannelSegment.Open(new SegmentOptions { Name = argument }), isParent: false);

    private class Ends(PingPongChannelSegment segment, bool isParent) : IMessageChannel
    {
        private int _sent;
        private int _received;

        protected PingPongChannelSegment Segment => segment;

        public void Send(byte[] message) =>
            HandOff.Send(ref isParent ? ref segment.Data.Ping : ref segment.Data.Pong, message, ++_sent);

        public void Receive(byte[] message) =>
            HandOff.Receive(ref isParent ? ref segment.Data.Pong : ref segment.Data.Ping, message, ++_received);

        public virtual void Dispose() => segment.Dispose();
    }

    private sealed class Parent(PingPongChannelSegment segment) : Ends(segment, isParent: true), IParentChannel
    {
        public string ChildArgument => Segment.Name;

        // The child maps the segment by name during start-up; the parent keeps its mapping, so the name can go later.
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

/// <summary>
/// The spin-then-futex hand-off of one message through a <see cref="HandOffSlot"/>. Sender: copy the data, then
/// publish the sequence with a full fence and wake the receiver only if it said it sleeps. Receiver: spin on the
/// sequence for a while (a pinned peer answers within a microsecond), then announce sleeping with a full fence, check
/// again, and futex-wait. The two fences make sure one side always sees the other's store: no lost wake-up.
/// </summary>
internal static class HandOff
{
    // About 10-40 microseconds of PAUSE before sleeping: far above a pinned peer's answer time, far below a time slice.
    private const int SpinIterations = 1 << 10;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Send(ref HandOffSlot slot, ReadOnlySpan<byte> message, int sequence)
    {
        message.CopyTo(Data(ref slot, message.Length));
        Interlocked.Exchange(ref slot.Sequence, sequence);
        if (Volatile.Read(ref slot.ReceiverSleeping) != 0)
        {
            Futex.Wake(ref slot.Sequence, 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Receive(ref HandOffSlot slot, Span<byte> message, int sequence)
    {
        if (Volatile.Read(ref slot.Sequence) != sequence)
        {
            WaitFor(ref slot, sequence);
        }

        Data(ref slot, message.Length).CopyTo(message);
    }

    private static void WaitFor(ref HandOffSlot slot, int sequence)
    {
        for (var i = 0; i < SpinIterations; i++)
        {
            SpinPause.Once();
            if (Volatile.Read(ref slot.Sequence) == sequence)
            {
                return;
            }
        }

        while (true)
        {
            Interlocked.Exchange(ref slot.ReceiverSleeping, 1);
            var observed = Volatile.Read(ref slot.Sequence);
            if (observed == sequence)
            {
                break;
            }

            Futex.Wait(ref slot.Sequence, observed, Timeout.InfiniteTimeSpan);
        }

        Volatile.Write(ref slot.ReceiverSleeping, 0);
    }

    private static unsafe Span<byte> Data(ref HandOffSlot slot, int length) =>
        MemoryMarshal.CreateSpan(ref slot.Data[0], length);
}
