using System.IO;
using System.IO.MemoryMappedFiles;
using BenchmarkDotNet.Attributes;

namespace ShmGen.Benchmarks.Micro;

/// <summary>
/// The cost of a segment's life: Create (O_CREAT|O_EXCL, fchmod, posix_fallocate, mmap, header, flock) + Unlink +
/// Dispose; attaching with Open (which validates owner, mode, size and header) + Dispose; and the same create-and-remove
/// with <see cref="MemoryMappedFile"/> on /dev/shm for comparison.
/// </summary>
[MemoryDiagnoser]
public class LifecycleBenchmarks
{
    private SegmentOptions _fresh = null!;
    private SegmentOptions _existing = null!;
    private MicroCountersSegment _held = null!;
    private string _mappedPath = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fresh = new SegmentOptions { Name = MicroNames.Unique("life") };
        _existing = new SegmentOptions { Name = MicroNames.Unique("open") };
        _held = MicroCountersSegment.Create(_existing);
        _mappedPath = "/dev/shm/" + MicroNames.Unique("mmf");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _held.Unlink();
        _held.Dispose();
        MicroCountersSegment.TryUnlink(_fresh);
        File.Delete(_mappedPath);
    }

    [Benchmark(Baseline = true)]
    public bool CreateUnlinkDispose()
    {
        using var segment = MicroCountersSegment.Create(_fresh);
        segment.Unlink();
        return segment.IsCreator;
    }

    [Benchmark]
    public bool OpenDispose()
    {
        using var segment = MicroCountersSegment.Open(_existing);
        return segment.IsCreator;
    }

    [Benchmark]
    public long MemoryMappedFileCreateDelete()
    {
        long value;
        using (var file = MemoryMappedFile.CreateFromFile(_mappedPath, FileMode.CreateNew, null, 4096 + 32, MemoryMappedFileAccess.ReadWrite))
        using (var accessor = file.CreateViewAccessor())
        {
            value = accessor.ReadInt64(0);
        }

        File.Delete(_mappedPath);
        return value;
    }
}
