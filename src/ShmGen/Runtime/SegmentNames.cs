using System;
using ShmGen.Layout;

namespace ShmGen.Runtime;

/// <summary>The name a call works on: the options' or the attribute's, validated before any system call.</summary>
internal static class SegmentNames
{
    public static string Resolve(SegmentDefinition definition, SegmentOptions? options)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "ShmGen maps POSIX shared memory through /dev/shm and Linux futexes; it runs on Linux only.");
        }

        var name = options?.Name ?? definition.DefaultName;
        var error = SegmentNameRules.GetError(name, raw: definition.Format == SegmentFormat.Raw);
        if (error is not null)
        {
            throw new ArgumentException($"Invalid shared memory segment name '{name}': {error}.", nameof(options));
        }

        return name;
    }
}
