// The classic example across languages: C# creates a Raw segment (byte for byte the C struct, locked by the POSIX
// named semaphore "/<name>.lock"), writes the generated C header, compiles the C child with gcc and runs it; the child
// writes 0xdbeebee and the parent prints it.
using System;
using System.Diagnostics;
using System.IO;
using ShmGen;

var name = $"cinterop-{Environment.ProcessId}";
var work = Directory.CreateTempSubdirectory("shmgen-cinterop-").FullName;
try
{
    using var segment = SampleSegment.Create(new SegmentOptions { Name = name, UnlinkOnExit = true });
    try
    {
        File.WriteAllText(Path.Combine(work, "sample.h"), SampleSegment.CHeader);
        var child = Path.Combine(work, "classic");
        Run("gcc", "-std=c11", "-Wall", "-Werror", "-I", work, "-o", child, Path.Combine(AppContext.BaseDirectory, "classic.c"), "-pthread");
        Run(child, name);

        using var guard = segment.Lock(TimeSpan.FromSeconds(10));
        Console.WriteLine($"C child wrote 0x{guard.Value:x}");
    }
    finally
    {
        segment.Unlink(); // the segment and its semaphore
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

static void Run(string program, params string[] arguments)
{
    var info = new ProcessStartInfo(program) { UseShellExecute = false };
    foreach (var argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }

    using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{program} exited with {process.ExitCode}");
    }
}

/// <summary>The payload: one 64-bit value, declared once here and generated for C.</summary>
[SharedSegment("cinterop", Format = SegmentFormat.Raw)]
public partial struct Sample
{
    /// <summary>The value the C child writes.</summary>
    public ulong Value;
}
