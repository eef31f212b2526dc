using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using ShmGen.Benchmarks.Native;

namespace ShmGen.Benchmarks.Ipc;

/// <summary>
/// A mechanism measured between this program and a second instance of it (the child, started with <c>ipc-child</c>):
/// the parent stamps a message, sends it, waits for the echo and times the round trip; the child receives and sends
/// back, for as many round trips as the parent runs. A new mechanism supplies only the two ends of its channel.
/// </summary>
internal abstract class ChildProcessMechanism : IIpcMechanism
{
    private static readonly TimeSpan s_childStartTimeout = TimeSpan.FromSeconds(60);

    public abstract string Name { get; }

    public virtual string Label => Name;

    /// <summary>Whether messages carry the bytes (all but <c>signal</c>, which only notifies).</summary>
    protected virtual bool CarriesData => true;

    /// <summary>Creates the parent's end before the child starts (files, listening sockets, pipes, segments).</summary>
    protected abstract IParentChannel CreateParent(IpcRunSettings settings);

    /// <summary>Opens the child's end from <see cref="IParentChannel.ChildArgument"/>.</summary>
    protected abstract IMessageChannel OpenChild(int messageSize, string argument);

    public RoundTripSamples Measure(IpcRunSettings settings)
    {
        if (settings.Cpus is { } cpus)
        {
            CpuAffinity.PinCurrentThread(cpus.Parent);
        }

        using var channel = CreateParent(settings);
        var total = settings.WarmupRoundTrips + settings.RoundTrips;
        var start = ChildProcess.StartInfo(
            "ipc-child",
            Name,
            settings.MessageSize.ToString(CultureInfo.InvariantCulture),
            total.ToString(CultureInfo.InvariantCulture),
            (settings.Cpus?.Child ?? -1).ToString(CultureInfo.InvariantCulture),
            channel.ChildArgument);
        start.RedirectStandardOutput = true;
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the child process");
        try
        {
            // A child that dies before it is ready must not leave the parent blocked in Accept or a FIFO open forever.
            using var watchdog = new ChildWatchdog(child, s_childStartTimeout, Name);
            channel.Connect(child);
            var ready = child.StandardOutput.ReadLine();
            if (ready != "ready")
            {
                throw new InvalidOperationException($"{Name}: the child did not get ready (said '{ready}', exit code {ExitCode(child)})");
            }
        }
        catch
        {
            Kill(child);
            throw;
        }

        long[] samples;
        using (new ChildWatchdog(child, TimeSpan.FromMinutes(10), Name))
        {
            samples = RunParent(channel, settings, CarriesData ? Name : null);
        }

        if (!child.WaitForExit(TimeSpan.FromSeconds(30)) || child.ExitCode != 0)
        {
            Kill(child);
            throw new InvalidOperationException($"{Name}: the child failed (exit code {ExitCode(child)})");
        }

        return new RoundTripSamples(samples);
    }

    /// <summary>The child's side: open, say ready, echo every message, exit.</summary>
    public int RunChild(int messageSize, long roundTrips, int cpu, string argument)
    {
        if (cpu >= 0)
        {
            CpuAffinity.PinCurrentThread(cpu);
        }

        using var channel = OpenChild(messageSize, argument);
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        EchoLoop(channel, Message.Create(messageSize), roundTrips, CarriesData ? Name : null);
        return 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long[] RunParent(IMessageChannel channel, IpcRunSettings settings, string? verify)
    {
        var outgoing = Message.Create(settings.MessageSize);
        var incoming = new byte[settings.MessageSize];
        var samples = new long[settings.RoundTrips];
        var warmup = settings.WarmupRoundTrips;
        long total = warmup + settings.RoundTrips;
        var nanosecondsPerTick = 1e9 / Stopwatch.Frequency;
        for (long sequence = 1; sequence <= total; sequence++)
        {
            Message.Stamp(outgoing, sequence);
            var before = Stopwatch.GetTimestamp();
            channel.Send(outgoing);
            channel.Receive(incoming);
            var after = Stopwatch.GetTimestamp();
            if (verify is not null)
            {
                Message.Verify(incoming, sequence, verify);
            }

            if (sequence > warmup)
            {
                samples[sequence - warmup - 1] = (long)((after - before) * nanosecondsPerTick);
            }
        }

        return samples;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EchoLoop(IMessageChannel channel, byte[] message, long roundTrips, string? verify)
    {
        for (long sequence = 1; sequence <= roundTrips; sequence++)
        {
            channel.Receive(message);
            if (verify is not null)
            {
                Message.Verify(message, sequence, verify);
            }

            channel.Send(message);
        }
    }

    private static string ExitCode(Process child) => child.HasExited ? child.ExitCode.ToString(CultureInfo.InvariantCulture) : "still running";

    private static void Kill(Process child)
    {
        try
        {
            child.Kill();
            child.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
