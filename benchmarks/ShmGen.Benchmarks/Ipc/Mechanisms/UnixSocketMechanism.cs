using System.IO;
using System.Net;
using System.Net.Sockets;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>A Unix domain stream socket bound in the scratch directory.</summary>
internal sealed class UnixSocketMechanism : SocketMechanism
{
    public override string Name => "unix-socket";

    protected override Socket NewSocket() => new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    protected override EndPoint ListenEndPoint(IpcRunSettings settings) =>
        new UnixDomainSocketEndPoint(Path.Combine(settings.ScratchDirectory, "socket"));

    protected override string DescribeEndPoint(EndPoint bound) => bound.ToString()!;

    protected override EndPoint ParseEndPoint(string argument) => new UnixDomainSocketEndPoint(argument);
}
