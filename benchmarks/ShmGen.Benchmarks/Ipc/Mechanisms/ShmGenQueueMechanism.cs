using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// A pair of generated [SharedQueue]s, one per direction, of the item type whose size is the message size: the sender
/// copies the message into an item and enqueues it, the receiver dequeues it (the queue's own spin-then-futex wait) and
/// copies every byte back out.
/// </summary>
internal sealed class ShmGenQueueMechanism : ChildProcessMechanism
{
    public override string Name => "shmgen-queue";

    protected override IParentChannel CreateParent(IpcRunSettings settings) =>
        BenchQueues.With<IParentChannel, Opener>(settings.MessageSize, new Opener(settings.ShmPrefix + "queue", create: true));

    protected override IMessageChannel OpenChild(int messageSize, string argument) =>
        BenchQueues.With<IParentChannel, Opener>(messageSize, new Opener(argument, create: false));

    private readonly struct Opener(string name, bool create) : IBenchQueueAction<IParentChannel>
    {
        public IParentChannel Invoke<TQueue, TItem>()
            where TQueue : struct, IBenchQueue<TQueue, TItem>
            where TItem : unmanaged
        {
            var ping = create ? TQueue.Create(name + "-ping") : TQueue.Open(name + "-ping");
            try
            {
                var pong = create ? TQueue.Create(name + "-pong") : TQueue.Open(name + "-pong");
                return create ? new Ends<TQueue, TItem>(name, output: ping, input: pong, create) : new Ends<TQueue, TItem>(name, output: pong, input: ping, create);
            }
            catch
            {
                if (create)
                {
                    ping.Unlink();
                }

                ping.Dispose();
                throw;
            }
        }
    }

    private sealed class Ends<TQueue, TItem>(string name, TQueue output, TQueue input, bool creator) : IParentChannel
        where TQueue : struct, IBenchQueue<TQueue, TItem>
        where TItem : unmanaged
    {
        public string ChildArgument => name;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message) => output.Enqueue(MemoryMarshal.Read<TItem>(message));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message)
        {
            var item = input.Dequeue();
            MemoryMarshal.Write(message, in item);
        }

        // The child maps both queues by name during start-up; the parent keeps its mappings, so the names can go later.
        public void Connect(Process child)
        {
        }

        public void Dispose()
        {
            if (creator)
            {
                output.Unlink();
                input.Unlink();
            }

            output.Dispose();
            input.Dispose();
        }
    }
}
