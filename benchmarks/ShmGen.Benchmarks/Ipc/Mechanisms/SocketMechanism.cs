using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>A connected stream socket, blocking sends and receives: a Unix domain socket or loopback TCP with Nagle off.</summary>
internal abstract class SocketMechanism : ChildProcessMechanism
{
    protected abstract Socket NewSocket();

    protected abstract EndPoint ListenEndPoint(IpcRunSettings settings);

    protected abstract string DescribeEndPoint(EndPoint bound);

    protected abstract EndPoint ParseEndPoint(string argument);

    protected override IParentChannel CreateParent(IpcRunSettings settings)
    {
        var listener = NewSocket();
        listener.Bind(ListenEndPoint(settings));
        listener.Listen(1);
        return new Parent(listener, DescribeEndPoint(listener.LocalEndPoint!), this);
    }

    protected override IMessageChannel OpenChild(int messageSize, string argument)
    {
        var socket = NewSocket();
        socket.Connect(ParseEndPoint(argument));
        return new Ends(socket);
    }

    private class Ends(Socket? socket) : IMessageChannel
    {
        protected Socket? Socket { get; set; } = socket;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Send(byte[] message)
        {
            var sent = 0;
            while (sent < message.Length)
            {
                sent += Socket!.Send(message.AsSpan(sent));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Receive(byte[] message)
        {
            var received = 0;
            while (received < message.Length)
            {
                var count = Socket!.Receive(message.AsSpan(received));
                if (count == 0)
                {
                    throw new EndOfStreamException("the peer closed the socket");
                }

                received += count;
            }
        }

        public virtual void Dispose() => Socket?.Dispose();
    }

    private sealed class Parent(Socket listener, string endPoint, SocketMechanism mechanism) : Ends(null), IParentChannel
    {
        public string ChildArgument => endPoint;

        public void Connect(Process child)
        {
            Socket = listener.Accept();
            mechanism.Configure(Socket);
        }

        public override void Dispose()
        {
            base.Dispose();
            listener.Dispose();
        }
    }

    protected virtual void Configure(Socket connected)
    {
    }
}
