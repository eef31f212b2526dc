using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ShmGen.Benchmarks.Ipc.Mechanisms;

/// <summary>TCP over loopback (127.0.0.1), Nagle off on both ends.</summary>
internal sealed class TcpMechanism : SocketMechanism
{
    public override string Name => "tcp";

    protected override Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Configure(socket);
        return socket;
    }

    // Nagle would hold back every small message waiting for the previous one's ACK.
    protected override void Configure(Socket connected) => connected.NoDelay = true;

    protected override EndPoint ListenEndPoint(IpcRunSettings settings) => new IPEndPoint(IPAddress.Loopback, 0);

    protected override string DescribeEndPoint(EndPoint bound) => ((IPEndPoint)bound).Port.ToString(CultureInfo.InvariantCulture);

    protected override EndPoint ParseEndPoint(string argument) => new IPEndPoint(IPAddress.Loopback, int.Parse(argument, CultureInfo.InvariantCulture));
}
