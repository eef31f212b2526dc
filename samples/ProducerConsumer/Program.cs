// Producer/consumer across processes: the parent creates the queue "/jobs-<pid>", starts a producer and a consumer
// (this program again, with "producer" or "consumer"), and waits for both. The producer stalls whenever the queue is
// full, the consumer waits whenever it is empty; the consumer prints a running count and checks that every job
// arrived once, in order. The parent unlinks the queue, and UnlinkOnExit does so even on Ctrl+C or docker stop,
// so nothing is left in /dev/shm.
using System;
using System.Diagnostics;
using ShmGen;

const int Jobs = 200_000;
const int ReportEvery = 50_000;

if (args is ["producer", var producerQueue])
{
    using var queue = JobQueue.Open(new SegmentOptions { Name = producerQueue });
    for (var id = 1L; id <= Jobs; id++)
    {
        queue.Enqueue(new Job { Id = id, Payload = id * 0.5 });
    }

    return 0;
}

if (args is ["consumer", var consumerQueue])
{
    using var queue = JobQueue.Open(new SegmentOptions { Name = consumerQueue });
    for (var expected = 1L; expected <= Jobs; expected++)
    {
        if (!queue.TryDequeue(out var job, TimeSpan.FromSeconds(30)))
        {
            Console.Error.WriteLine($"consumer: no job for 30 s after {expected - 1} jobs");
            return 1;
        }

        if (job.Id != expected || job.Payload != expected * 0.5)
        {
            Console.Error.WriteLine($"consumer: expected job {expected}, got {job.Id} ({job.Payload})");
            return 1;
        }

        if (expected % ReportEvery == 0)
        {
            Console.WriteLine($"consumer: {expected} jobs");
        }
    }

    Console.WriteLine($"consumer: all {Jobs} jobs arrived once, in order");
    return 0;
}

// A per-run name keeps two runs (or a leftover of a killed one) from colliding.
var name = $"jobs-{Environment.ProcessId}";
using (var queue = JobQueue.Create(new SegmentOptions { Name = name, UnlinkOnExit = true }))
{
    try
    {
        using var consumer = Process.Start(ChildProcess.StartInfo("consumer", name)) ?? throw new InvalidOperationException("could not start the consumer");
        using var producer = Process.Start(ChildProcess.StartInfo("producer", name)) ?? throw new InvalidOperationException("could not start the producer");
        var ok = true;
        foreach (var (role, child) in new[] { ("producer", producer), ("consumer", consumer) })
        {
            if (!child.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                child.Kill();
                child.WaitForExit();
            }

            if (child.ExitCode != 0)
            {
                Console.Error.WriteLine($"{role} failed (exit code {child.ExitCode})");
                ok = false;
            }
        }

        if (!ok)
        {
            return 1;
        }

        Console.WriteLine($"queue '/{name}' is empty again: {queue.Count} of {queue.Capacity} slots in use");
    }
    finally
    {
        queue.Unlink();
    }
}

return 0;

/// <summary>One unit of work, copied by value through the queue.</summary>
[SharedQueue("jobs", Capacity = 1024)]
public partial struct Job
{
    /// <summary>Numbered from 1, in the order the producer made them.</summary>
    public long Id;

    /// <summary>The job's data.</summary>
    public double Payload;
}

/// <summary>Starts this program again, whether it runs from its apphost or as "dotnet ProducerConsumer.dll".</summary>
internal static class ChildProcess
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (System.IO.Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
