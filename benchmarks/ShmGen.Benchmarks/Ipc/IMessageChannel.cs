using System;
using System.Diagnostics;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>One end of a two-way, one-message-at-a-time channel between the parent and the child.</summary>
internal interface IMessageChannel : IDisposable
{
    /// <summary>Delivers all of <paramref name="message"/> to the other end.</summary>
    void Send(byte[] message);

    /// <summary>Blocks (or spins) until the other end's next message arrived, and copies all of it into <paramref name="message"/>.</summary>
    void Receive(byte[] message);
}

/// <summary>The parent's end, created before the child starts.</summary>
internal interface IParentChannel : IMessageChannel
{
    /// <summary>What the child needs to open its end (a path, a port, a handle), passed on its command line.</summary>
    string ChildArgument { get; }

    /// <summary>Called once the child runs: accept its connection, open FIFOs, drop the copies of inherited handles.</summary>
    void Connect(Process child);
}
