using System;
using System.Collections.Generic;
using System.Linq;

namespace ShmGen.Runtime;

/// <summary>
/// Reads the canonical layout description the generator writes (<c>size=16;align=8;Count:Int64@0;Flags:Byte[4]@8</c>)
/// to explain a fingerprint mismatch field by field.
/// </summary>
internal static class LayoutDescription
{
    /// <summary>"Count: Int64 at 0 vs Int32 at 0" lines, this build first; empty when no difference can be named.</summary>
    public static IReadOnlyList<string> Differences(string thisBuild, string segment)
    {
        var mine = Parse(thisBuild);
        var theirs = Parse(segment);
        var differences = new List<string>();
        foreach (var (key, value) in mine)
        {
            if (!theirs.TryGetValue(key, out var other))
            {
                differences.Add($"{key}: {Show(value)} vs missing");
            }
            else if (other != value)
            {
                differences.Add($"{key}: {Show(value)} vs {Show(other)}");
            }
        }

        foreach (var (key, value) in theirs.Where(p => !mine.ContainsKey(p.Key)))
        {
            differences.Add($"{key}: missing vs {Show(value)}");
        }

        return differences;
    }

    private static string Show(string value)
    {
        var at = value.LastIndexOf('@');
        return at < 0 ? value : $"{value.Substring(0, at)} at {value.Substring(at + 1)}";
    }

    private static Dictionary<string, string> Parse(string description)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in description.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = part.IndexOfAny(['=', ':']);
            if (separator > 0)
            {
                entries[part.Substring(0, separator)] = part.Substring(separator + 1);
            }
        }

        return entries;
    }
}
