using System.Threading;
using BenchmarkDotNet.Attributes;

namespace ShmGen.Benchmarks.Micro;

/// <summary>
/// One uncontended acquire + release: the segment's robust process-shared lock (Lock() + Guard.Dispose()) against
/// .NET's cross-process named <see cref="Mutex"/>, and the in-process <c>lock</c> (object and
/// <see cref="System.Threading.Lock"/>) and <see cref="SemaphoreSlim"/> as the floor a process-local lock reaches.
/// </summary>
[MemoryDiagnoser]
public class LockBenchmarks
{
    private readonly object _monitor = new();
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _semaphore = new(1, 1);
    private MicroCountersSegment _segment = null!;
    private Mutex _mutex = null!;

    [GlobalSetup]
    public void Setup()
    {
        _segment = MicroCountersSegment.Create(new SegmentOptions { Name = MicroNames.Unique("lock") });
        _mutex = new Mutex(initiallyOwned: false, MicroNames.Unique("mutex"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _segment.Unlink();
        _segment.Dispose();
        _mutex.Dispose();
        _semaphore.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long SegmentLock()
    {
        using var guard = _segment.Lock();
        return guard.A;
    }

    [Benchmark]
    public bool NamedMutex()
    {
        var taken = _mutex.WaitOne();
        _mutex.ReleaseMutex();
        return taken;
    }

    [Benchmark]
    public int MonitorLock()
    {
        lock (_monitor)
        {
            return 1;
        }
    }

    [Benchmark]
    public int ThreadingLock()
    {
        lock (_lock)
        {
            return 1;
        }
    }

    [Benchmark]
    public int SemaphoreSlimWaitRelease()
    {
        _semaphore.Wait();
        return _semaphore.Release();
    }
}
