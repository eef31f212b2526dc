using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// A regular file per direction: the sender writes the message with one pwrite, the receiver polls with pread until a
/// new one is there. Each record is framed by a counter at both ends, and a record is taken only when a second read
/// returns the same bytes: pwrite and pread copy in order but not atomically, so a reader preempted mid-copy can see
/// both counters new around an old middle (it read the middle before the writer got there). Once a read has seen the
/// new tail the writer has finished the record, so the second read sees all of it (the next record waits for the echo).
/// </summary>
internal sealed class FileMechanism : ChildProcessMechanism
{
    private const int CounterSize = 8;

    public override string Name => "file";

    protected override IParentChannel CreateParent(IpcRunSettings settings)
    {
        var ping = Path.Combine(settings.ScratchDirectory, "file-ping");
        var pong = Path.Combine(settings.ScratchDirectory, "file-pong");
        return new Parent(ping, pong, settings.MessageSize);
    }

    protected override IMessageChannel OpenChild(int messageSize, string argument)
    {
        var paths = argument.Split(Path.PathSeparator);
        return new Ends(Open(paths[1], FileMode.Open), Open(paths[0], FileMode.Open), messageSize);
    }

    private static SafeFileHandle Open(string path, FileMode mode) =>
        File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite);

    private class Ends(SafeFileHandle output, SafeFileHandle input, int messageSize) : IMessageChannel
    {
        private readonly byte[] _outgoing = new byte[messageSize + (2 * CounterSize)];
        private readonly byte[] _incoming = new byte[messageSize + (2 * CounterSize)];
        private readonly byte[] _confirm = new byte[messageSize + (2 * CounterSize)];
        private long _sent;
        private long _received;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message)
        {
            _sent++;
            BinaryPrimitives.WriteInt64LittleEndian(_outgoing, _sent);
            message.CopyTo(_outgoing, CounterSize);
            BinaryPrimitives.WriteInt64LittleEndian(_outgoing.AsSpan(CounterSize + message.Length), _sent);
            RandomAccess.Write(output, _outgoing, 0);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message)
        {
            var expected = ++_received;
            while (true)
            {
                var read = RandomAccess.Read(input, _incoming, 0);
                if (read == _incoming.Length
                    && BinaryPrimitives.ReadInt64LittleEndian(_incoming) == expected
                    && BinaryPrimitives.ReadInt64LittleEndian(_incoming.AsSpan(CounterSize + message.Length)) == expected
                    && RandomAccess.Read(input, _confirm, 0) == _confirm.Length
                    && _confirm.AsSpan().SequenceEqual(_incoming))
                {
                    _incoming.AsSpan(CounterSize, message.Length).CopyTo(message);
                    return;
                }
            }
        }

        public void Dispose()
        {
            output.Dispose();
            input.Dispose();
        }
    }

    private sealed class Parent(string ping, string pong, int messageSize)
        : Ends(Open(ping, FileMode.CreateNew), Open(pong, FileMode.CreateNew), messageSize), IParentChannel
    {
        public string ChildArgument => ping + Path.PathSeparator + pong;

        public void Connect(Process child)
        {
        }
    }
}
