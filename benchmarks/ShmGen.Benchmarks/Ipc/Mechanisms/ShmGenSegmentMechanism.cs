using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using ShmGen.Benchmarks.Native;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// A generated [SharedSegment] (<see cref="PingPongChannelSegment"/>) with a spin-then-futex hand-off per direction,
/// using <see cref="Futex"/> from the ShmGen runtime. The lock is not involved: the sequence word orders the data.
/// The hand-off (<see cref="HandOff"/>) is this benchmark's own code, not ShmGen's public API, so no user can write
/// this row's program with the package alone; the table says so.
/// </summary>
internal sealed class ShmGenSegmentMechanism : ChildProcessMechanism
{
    public override string Name => "shmgen-segment";

    public override string Label => "shmgen-segment (not user-reachable: benchmark-private hand-off)";

    protected override IParentChannel CreateParent(IpcRunSettings settings)
    {
        RegisterForFence();
        var name = settings.ShmPrefix + "segment";
        var segment = PingPongChannelSegment.Create(new SegmentOptions { Name = name });
        return new Parent(segment);
    }

    protected override IMessageChannel OpenChild(int messageSize, string argument)
    {
        RegisterForFence();
        return new Ends(PingPongChannelSegment.Open(new SegmentOptions { Name = argument }), isParent: false);
    }

    // Registration (the first use of AsymmetricFence) must happen before the first message, in both processes.
    private static void RegisterForFence() => Console.Error.Write(AsymmetricFence.IsAvailable ? string.Empty : "shmgen-segment: no membarrier; using full fences\n");

    private class Ends(PingPongChannelSegment segment, bool isParent) : IMessageChannel
    {
        private int _sent;
        private int _received;

        protected PingPongChannelSegment Segment => segment;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message) =>
            HandOff.Send(ref isParent ? ref segment.Data.Ping : ref segment.Data.Pong, message, ++_sent);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
/// The spin-then-futex hand-off of one message through a <see cref="HandOffSlot"/>. Sender: copy the data, publish
/// the sequence (release) and wake the receiver only if it said it sleeps. Receiver: spin on the sequence for a while
/// (a pinned peer answers within a microsecond), then announce sleeping, check again, and futex-wait. This is Dekker's
/// pattern: each side stores, then loads the other's word, and a store-load fence on both sides guarantees that one of
/// them sees the other's store (no lost wake-up). The receiver's fence is a membarrier (<see cref="AsymmetricFence"/>),
/// so the sender's hot path carries no fence instruction: a locked xchg per publish costs ~75 ns on this machine.
/// </summary>
internal static class HandOff
{
    // About 10-40 microseconds of PAUSE before sleeping: far above a pinned peer's answer time, far below a time slice.
    private const int SpinIterations = 1 << 10;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Send(ref HandOffSlot slot, ReadOnlySpan<byte> message, int sequence)
    {
        message.CopyTo(Data(ref slot, message.Length));
        if (AsymmetricFence.IsAvailable)
        {
            Volatile.Write(ref slot.Sequence, sequence);
        }
        else
        {
            Interlocked.Exchange(ref slot.Sequence, sequence);
        }

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            if (AsymmetricFence.IsAvailable)
            {
                AsymmetricFence.Heavy();
            }

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
