using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace ShmGen.Benchmarks.Micro;

/// <summary>
/// Field access to shared memory three ways: the generated Guard's ref accessors, a raw pointer to the same payload,
/// and <see cref="MemoryMappedViewAccessor"/> Read/Write at hand-kept offsets. Guard and pointer take the segment's
/// lock once per invocation (the same cost in both, amortized over 4096 accesses), so the difference is the access code.
/// In "read" the JIT hoists the loads of both Guard and pointer out of the loop (nothing in it can write the fields);
/// "write" and "increment" touch memory on every iteration.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class GuardAccessBenchmarks
{
    private const int Iterations = 1024;
    private const int Accesses = Iterations * 4;

    private MicroCountersSegment _segment = null!;
    private MicroCounters* _raw;
    private string _mappedPath = null!;
    private MemoryMappedFile _mappedFile = null!;
    private MemoryMappedViewAccessor _accessor = null!;

    [GlobalSetup]
    public void Setup()
    {
        _segment = MicroCountersSegment.Create(new SegmentOptions { Name = MicroNames.Unique("guard") });
        _raw = (MicroCounters*)Unsafe.AsPointer(ref _segment.Data);
        _mappedPath = "/dev/shm/" + MicroNames.Unique("mmf");
        _mappedFile = MemoryMappedFile.CreateFromFile(_mappedPath, FileMode.CreateNew, null, 4096, MemoryMappedFileAccess.ReadWrite);
        _accessor = _mappedFile.CreateViewAccessor();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _segment.Unlink();
        _segment.Dispose();
        _accessor.Dispose();
        _mappedFile.Dispose();
        File.Delete(_mappedPath);
    }

    [Benchmark(OperationsPerInvoke = Accesses)]
    [BenchmarkCategory("read")]
    public long GuardRead()
    {
        using var guard = _segment.Lock();
        long sum = 0;
        for (var i = 0; i < Iterations; i++)
        {
            sum += guard.A + guard.B + guard.C + guard.D;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Accesses, Baseline = true)]
    [BenchmarkCategory("read")]
    public long PointerRead()
    {
        using var guard = _segment.Lock();
        var p = _raw;
        long sum = 0;
        for (var i = 0; i < Iterations; i++)
        {
            sum += p->A + p->B + p->C + p->D;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Accesses)]
    [BenchmarkCategory("read")]
    public long AccessorRead()
    {
        using var guard = _segment.Lock();
        var accessor = _accessor;
        long sum = 0;
        for (var i = 0; i < Iterations; i++)
        {
            sum += accessor.ReadInt64(0) + accessor.ReadInt64(8) + accessor.ReadInt64(16) + accessor.ReadInt64(24);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Accesses)]
    [BenchmarkCategory("write")]
    public void GuardWrite()
    {
        using var guard = _segment.Lock();
        for (long i = 0; i < Iterations; i++)
        {
            guard.A = i;
            guard.B = i;
            guard.C = i;
            guard.D = i;
        }
    }

    [Benchmark(OperationsPerInvoke = Accesses, Baseline = true)]
    [BenchmarkCategory("write")]
    public void PointerWrite()
    {
        using var guard = _segment.Lock();
        var p = _raw;
        for (long i = 0; i < Iterations; i++)
        {
            p->A = i;
            p->B = i;
            p->C = i;
            p->D = i;
        }
    }

    [Benchmark(OperationsPerInvoke = Accesses)]
    [BenchmarkCategory("write")]
    public void AccessorWrite()
    {
        using var guard = _segment.Lock();
        var accessor = _accessor;
        for (long i = 0; i < Iterations; i++)
        {
            accessor.Write(0, i);
            accessor.Write(8, i);
            accessor.Write(16, i);
            accessor.Write(24, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Accesses)]
    [BenchmarkCategory("increment")]
    public void GuardIncrement()
    {
        using var guard = _segment.Lock();
        for (var i = 0; i < Iterations; i++)
        {
            guard.A++;
            guard.B++;
            guard.C++;
            guard.D++;
        }
    }

    [Benchmark(OperationsPerInvoke = Accesses, Baseline = true)]
    [BenchmarkCategory("increment")]
    public void PointerIncrement()
    {
        using var guard = _segment.Lock();
        var p = _raw;
        for (var i = 0; i < Iterations; i++)
        {
            p->A++;
            p->B++;
            p->C++;
            p->D++;
        }
    }

    [Benchmark(OperationsPerInvoke = Accesses)]
    [BenchmarkCategory("increment")]
    public void AccessorIncrement()
    {
        using var guard = _segment.Lock();
        var accessor = _accessor;
        for (var i = 0; i < Iterations; i++)
        {
            accessor.Write(0, accessor.ReadInt64(0) + 1);
            accessor.Write(8, accessor.ReadInt64(8) + 1);
            accessor.Write(16, accessor.ReadInt64(16) + 1);
            accessor.Write(24, accessor.ReadInt64(24) + 1);
        }
    }
}
