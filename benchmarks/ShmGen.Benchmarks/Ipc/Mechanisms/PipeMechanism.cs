using System.Diagnostics;
using System.IO;
using System.IO.Pipes;
using System.Runtime.CompilerServices;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>Two anonymous pipes inherited by the child (<c>pipe(2)</c> + fork/exec): the classic parent/child channel.</summary>
internal sealed class PipeMechanism : ChildProcessMechanism
{
    public override string Name => "pipe";

    protected override IParentChannel CreateParent(IpcRunSettings settings) => new Parent();

    protected override IMessageChannel OpenChild(int messageSize, string argument)
    {
        var handles = argument.Split(',');
        return new Ends(
            new AnonymousPipeClientStream(PipeDirection.Out, handles[1]),
            new AnonymousPipeClientStream(PipeDirection.In, handles[0]));
    }

    private class Ends(Stream output, Stream input) : IMessageChannel
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message) => output.Write(message);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message) => input.ReadExactly(message);

        public void Dispose()
        {
            output.Dispose();
            input.Dispose();
        }
    }

    private sealed class Parent : Ends, IParentChannel
    {
        private readonly AnonymousPipeServerStream _toChild;
        private readonly AnonymousPipeServerStream _fromChild;

        public Parent()
            : this(new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable), new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable))
        {
        }

        private Parent(AnonymousPipeServerStream toChild, AnonymousPipeServerStream fromChild)
            : base(toChild, fromChild)
        {
            _toChild = toChild;
            _fromChild = fromChild;
        }

        public string ChildArgument => _toChild.GetClientHandleAsString() + "," + _fromChild.GetClientHandleAsString();

        // The child holds its ends now; closing ours lets a dead child show up as end-of-file instead of a hang.
        public void Connect(Process child)
        {
            _toChild.DisposeLocalCopyOfClientHandle();
            _fromChild.DisposeLocalCopyOfClientHandle();
        }
    }
}
