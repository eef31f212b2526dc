using System.Text;

namespace ShmGen.Contract;

/// <summary>FNV-1a 64 of the canonical layout description: stable across processes, builds and machines.</summary>
internal static class LayoutFingerprint
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Compute(string description)
    {
        var hash = OffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(description))
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}
