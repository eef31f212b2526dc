using System;
using System.IO;

namespace ShmGen.Tests;

/// <summary>A unique segment name for one test, removed from /dev/shm when the test ends, pass or fail.</summary>
internal sealed class ScratchSegment : IDisposable
{
    public ScratchSegment() => Name = "shmgen-test-" + Guid.NewGuid().ToString("N");

    public string Name { get; }

    public string Path => "/dev/shm/" + Name;

    public SegmentOptions Options => new() { Name = Name, OpenTimeout = TimeSpan.FromSeconds(10) };

    public SegmentOptions With(Func<SegmentOptions, SegmentOptions> change) => change(Options);

    public void Dispose()
    {
        // A planted symlink or a file of the wrong type is removed too: lstat-based delete never follows links.
        if (File.Exists(Path) || new FileInfo(Path).LinkTarget is not null)
        {
            File.Delete(Path);
        }
    }
}
