using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace ShmGen.Generator.Tests;

/// <summary>
/// Verify-style snapshots: <c>Snapshots/{Class}.{Test}.verified.cs</c> is committed; on a mismatch the actual text is
/// written beside it as <c>.received.cs</c> (git-ignored) and the test fails with a line diff. Set
/// <c>SHMGEN_ACCEPT_SNAPSHOTS=1</c> to accept the received text as the new verified snapshot. The package version in
/// <c>GeneratedCode</c> is masked (as NetEscapades' test helpers do), so a version bump does not touch every snapshot.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "SHMGEN_ACCEPT_SNAPSHOTS";

    /// <summary>What the generator's own version is replaced with in snapshots.</summary>
    public const string VersionMask = "VERSION";

    private static readonly string s_version = typeof(ShmGenerator).Assembly.GetName().Version!.ToString(3);

    /// <summary>Replaces this build's version in the <c>GeneratedCode</c> attribute; any other version stays and shows in the diff.</summary>
    public static string MaskVersion(string generated) =>
        generated.Replace($"GeneratedCode(\"ShmGen\", \"{s_version}\")", $"GeneratedCode(\"ShmGen\", \"{VersionMask}\")", StringComparison.Ordinal);

    public static void Verify(string actual, [CallerMemberName] string test = "", [CallerFilePath] string sourceFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(sourceFile)!, "Snapshots");
        var baseName = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(sourceFile)}.{test}");
        var verifiedPath = baseName + ".verified.cs";
        var receivedPath = baseName + ".received.cs";
        actual = MaskVersion(actual).Replace("\r\n", "\n");
        var verified = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (verified == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, actual);
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        var message = verified is null
            ? $"No snapshot {verifiedPath} yet; the output is in {receivedPath}. Review it, then run with {AcceptVariable}=1 to accept."
            : $"Snapshot mismatch: {verifiedPath} vs {receivedPath} (run with {AcceptVariable}=1 to accept):\n{Diff(verified, actual)}";
        Assert.Fail(message);
    }

    private static string Diff(string expected, string actual)
    {
        var builder = new StringBuilder();
        var model = InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false);
        var number = 0;
        foreach (var line in model.Lines)
        {
            if (line.Type != ChangeType.Inserted)
            {
                number++;
            }

            var marker = line.Type switch
            {
                ChangeType.Inserted => "+ ",
                ChangeType.Deleted => "- ",
                _ => null,
            };
            if (marker is not null)
            {
                builder.Append(number).Append(": ").Append(marker).AppendLine(line.Text);
            }
        }

        return builder.ToString();
    }
}
