using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace ShmGen.Package.Tests;

/// <summary>
/// The install steps of the README, read from the README itself: each is the <c>sh</c> block right after a
/// <c>&lt;!-- package-test: NAME ... --&gt;</c> marker. The tests run these blocks with bash, unchanged, so the README
/// cannot drift from what is tested.
/// </summary>
internal static partial class ReadmeSteps
{
    public const string Pack = "pack";
    public const string Consume = "consume";
    public const string Tool = "tool";

    public static IReadOnlyDictionary<string, string> Read(string repoRoot)
    {
        var readme = File.ReadAllText(Path.Combine(repoRoot, "README.md"));
        var steps = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in Step().Matches(readme))
        {
            steps.Add(match.Groups["name"].Value, match.Groups["script"].Value);
        }

        foreach (var name in new[] { Pack, Consume, Tool })
        {
            if (!steps.ContainsKey(name))
            {
                throw new InvalidOperationException($"README.md has no '<!-- package-test: {name} -->' marker followed by a ```sh block.");
            }
        }

        return steps;
    }

    [GeneratedRegex(@"<!-- package-test: (?<name>[a-z]+)[^>]*-->\n```sh\n(?<script>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Step();
}
