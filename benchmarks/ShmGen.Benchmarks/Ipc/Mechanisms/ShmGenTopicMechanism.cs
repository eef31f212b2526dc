using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ShmGen.Benchmarks.Queues;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// A pair of generated [SharedTopic]s, one per direction: each side publishes into one and has a subscriber on the other
/// (its spin-then-futex receive), copying every byte in and out as the queue pair does. The subscribers exist before
/// the first publish, so nothing is missed.
/// </summary>
internal sealed class ShmGenTopicMechanism : ChildProcessMechanism
{
    public override string Name => "shmgen-topic";

    protected override IParentChannel CreateParent(IpcRunSettings settings) =>
        BenchTopics.With<IParentChannel, Opener>(settings.MessageSize, new Opener(settings.ShmPrefix + "topic", create: true));

    protected override IMessageChannel OpenChild(int messageSize, string argument) =>
        BenchTopics.With<IParentChannel, Opener>(messageSize, new Opener(argument, create: false));

    private readonly struct Opener(string name, bool create) : IBenchTopicAction<IParentChannel>
    {
        public IParentChannel Invoke<TTopic, TItem>()
            where TTopic : struct, IBenchTopic<TTopic, TItem>
            where TItem : unmanaged
        {
            var ping = create ? TTopic.Create(name + "-ping") : TTopic.Open(name + "-ping");
            try
            {
                var pong = create ? TTopic.Create(name + "-pong") : TTopic.Open(name + "-pong");
                return create
                    ? new Ends<TTopic, TItem>(name, output: ping, input: pong.WithSubscriber(), create)
                    : new Ends<TTopic, TItem>(name, output: pong, input: ping.WithSubscriber(), create);
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

    private sealed class Ends<TTopic, TItem>(string name, TTopic output, TTopic input, bool creator) : IParentChannel
        where TTopic : struct, IBenchTopic<TTopic, TItem>
        where TItem : unmanaged
    {
        public string ChildArgument => name;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message) => output.Publish(MemoryMarshal.Read<TItem>(message));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message)
        {
            var item = input.Receive();
            MemoryMarshal.Write(message, in item);
        }

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
