using System;
using System.Diagnostics;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>
/// What .NET users do today without ShmGen: <see cref="MemoryMappedFile"/> over a file in /dev/shm, a view accessor
/// with offsets kept by hand, <c>WriteArray</c>/<c>ReadArray</c> for the message and an int sequence word per
/// direction, polled with <see cref="SpinWait"/> (the BCL offers no cross-process wait on Linux: named events are
/// Windows-only). Same slot layout as the shmgen-segment row.
/// </summary>
internal sealed class MemoryMappedFileMechanism : ChildProcessMechanism
{
    private const long SlotSize = 64 + 4096;
    private const long DataOffset = 64;

    public override string Name => "memory-mapped-file";

    protected override IParentChannel CreateParent(IpcRunSettings settings)
    {
        var path = "/dev/shm/" + settings.ShmPrefix + "mmf";
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, 2 * SlotSize, MemoryMappedFileAccess.ReadWrite);
        return new Parent(file, path);
    }

    protected override IMessageChannel OpenChild(int messageSize, string argument) =>
        new Ends(MemoryMappedFile.CreateFromFile(argument, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite), isParent: false);

    private class Ends : IMessageChannel
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _accessor;
        private readonly long _sendSlot;
        private readonly long _receiveSlot;
        private int _sent;
        private int _received;

        public Ends(MemoryMappedFile file, bool isParent)
        {
            _file = file;
            _accessor = file.CreateViewAccessor();
            _sendSlot = isParent ? 0 : SlotSize;
            _receiveSlot = isParent ? SlotSize : 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message)
        {
            _accessor.WriteArray(_sendSlot + DataOffset, message, 0, message.Length);
            Interlocked.MemoryBarrier();
            _accessor.Write(_sendSlot, ++_sent);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message)
        {
            var expected = ++_received;
            var spinner = default(SpinWait);
            while (_accessor.ReadInt32(_receiveSlot) != expected)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            Interlocked.MemoryBarrier();
            _accessor.ReadArray(_receiveSlot + DataOffset, message, 0, message.Length);
        }

        public virtual void Dispose()
        {
            _accessor.Dispose();
            _file.Dispose();
        }
    }

    private sealed class Parent(MemoryMappedFile file, string path) : Ends(file, isParent: true), IParentChannel
    {
        public string ChildArgument => path;

        public void Connect(Process child)
        {
        }

        public override void Dispose()
        {
            base.Dispose();
            File.Delete(path);
        }
    }
}
