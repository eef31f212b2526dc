using ShmGen.Testing;

namespace ShmGen.Tests;

/// <summary>A real child process running ShmGen.TestPeer with one verb.</summary>
internal sealed class Peer : ChildPeer
{
    private Peer(string[]? wrapper, string[] arguments)
        : base("ShmGen.TestPeer.dll", wrapper, arguments)
    {
    }

    public static Peer Start(params string[] arguments) => new(null, arguments);

    /// <summary>Starts the peer behind a wrapper command line (e.g. unshare or setpriv) that then runs dotnet.</summary>
    public static Peer Start(string[]? wrapper, params string[] arguments) => new(wrapper, arguments);
}
