// ShmGen benchmarks. Modes:
//   ipc        the IPC comparison table: two processes ping-pong one message, every mechanism at 8/64/4096 bytes
//   micro      BenchmarkDotNet: Guard access vs raw pointer vs accessor, lock costs, create/dispose/unlink
//   queue      items/s from producer to consumer processes: shmgen-queue vs the peers, pipe and unix-socket, 1x1 and 2x2
//              (the peers, iceoryx and Boost.Interprocess, are built from benchmarks/native when their Debian packages
//              are installed, and skipped with a note otherwise)
//   nats       64 B items through the ShmGen.Nats bridges beside plain NATS.Net publishes: items/s, p50/p99 latency
//   async      wake-up latency of DequeueAsync beside sync Dequeue between two processes; threads with 1,000 pending calls
//   snapshot   a collector's Lock+Dispose rate alone and beside a monitor process taking Snapshot(); the monitor's reads/s
//   generator  ShmGenerator cost for 10/100/1000 annotated structs, and for an unrelated edit on a reused driver
//   analyzers  ShmGen's analyzers over one 1,000-method file with 500 segment uses
using System.CommandLine;
using System.Globalization;
using System.Linq;
using ShmGen.Benchmarks.GeneratorCost;
using ShmGen.Benchmarks.Ipc;
using ShmGen.Benchmarks.Micro;
using ShmGen.Benchmarks.Queues;
using ShmGen.Benchmarks.Throughput;

var quick = new Option<bool>("--quick") { Description = "Fewer round trips (20,000 per row): about a minute on 2 cores." };
var json = new Option<string?>("--json") { Description = "Also write the results as a JSON array to this path." };
var mechanisms = new Option<string[]>("--mechanism") { Description = "Only these mechanisms (repeatable).", AllowMultipleArgumentsPerToken = true };
var sizes = new Option<int[]>("--size") { Description = "Message sizes in bytes (default 8, 64, 4096).", AllowMultipleArgumentsPerToken = true };
var roundTrips = new Option<int?>("--round-trips") { Description = "Measured round trips per row (default 200,000; 20,000 with --quick)." };
var ipc = new Command("ipc", "Two-process ping-pong latency of every IPC mechanism, as a markdown table.") { quick, json, mechanisms, sizes, roundTrips };
ipc.SetAction(result => IpcRunner.Run(
    result.GetValue(quick),
    result.GetValue(json),
    result.GetValue(mechanisms) ?? [],
    result.GetValue(sizes) is { Length: > 0 } chosen ? chosen : IpcRunner.DefaultSizes,
    result.GetValue(roundTrips)));

var childMechanism = new Argument<string>("mechanism");
var childSize = new Argument<int>("size");
var childRoundTrips = new Argument<long>("round-trips");
var childCpu = new Argument<int>("cpu");
var childArgument = new Argument<string>("argument");
var ipcChild = new Command("ipc-child", "The child side of one ipc measurement (started by ipc).") { childMechanism, childSize, childRoundTrips, childCpu, childArgument };
ipcChild.Hidden = true;
ipcChild.SetAction(result => IpcRunner.RunChild(
    result.GetValue(childMechanism)!,
    result.GetValue(childSize),
    result.GetValue(childRoundTrips),
    result.GetValue(childCpu),
    result.GetValue(childArgument)!));

var queueQuick = new Option<bool>("--quick") { Description = "Fewer items (2,000,000 per row up to 64 B, 500,000 above): under 3 minutes on 2 cores." };
var queueJson = new Option<string?>("--json") { Description = "Also write the results as a JSON array to this path." };
var queueMechanisms = new Option<string[]>("--mechanism") { Description = "Only these mechanisms (repeatable).", AllowMultipleArgumentsPerToken = true };
var queueSizes = new Option<int[]>("--size") { Description = "Item sizes in bytes (default 8, 64, 1024).", AllowMultipleArgumentsPerToken = true };
var queueItems = new Option<long?>("--items") { Description = "Measured items per row (default 10,000,000 up to 64 B, 2,000,000 above)." };
var queue = new Command("queue", "Producer/consumer throughput between processes (items/s), as a markdown table.") { queueQuick, queueJson, queueMechanisms, queueSizes, queueItems };
queue.SetAction(result => ThroughputRunner.Run(
    result.GetValue(queueQuick),
    result.GetValue(queueJson),
    result.GetValue(queueMechanisms) ?? [],
    result.GetValue(queueSizes) is { Length: > 0 } chosen ? chosen : ThroughputRunner.DefaultSizes,
    result.GetValue(queueItems)));

var queueChildArguments = new[] { "mechanism", "role", "size", "id", "producers", "warmup", "items", "cpu", "argument" }.Select(name => new Argument<string>(name)).ToArray();
var queueChild = new Command("queue-child", "One producer or consumer of a queue measurement (started by queue).") { Hidden = true };
foreach (var argument in queueChildArguments)
{
    queueChild.Add(argument);
}

queueChild.SetAction(result =>
{
    string Get(int index) => result.GetValue(queueChildArguments[index])!;
    long Number(int index) => long.Parse(Get(index), CultureInfo.InvariantCulture);
    return ThroughputRunner.RunChild(
        Get(0),
        Get(1),
        new ThroughputChild((int)Number(2), (int)Number(3), (int)Number(4), Number(5), Number(6), Get(8)),
        (int)Number(7));
});

var micro = new Command("micro", "BenchmarkDotNet micro benchmarks; other arguments go to BenchmarkDotNet (e.g. --job short --filter *Guard*).")
{
    TreatUnmatchedTokensAsErrors = false,
};
micro.SetAction(result => MicroRunner.Run([.. result.UnmatchedTokens]));

var structCounts = new Option<int[]>("--structs") { Description = "Annotated struct counts (default 10, 100, 1000).", AllowMultipleArgumentsPerToken = true };
var generator = new Command("generator", "Time ShmGenerator with a GeneratorDriver: cold runs and an unrelated edit.") { structCounts };
generator.SetAction(result => GeneratorCostRunner.Run(result.GetValue(structCounts) is { Length: > 0 } counts ? counts : [10, 100, 1000]));

var analyzersMode = new Command("analyzers", "Time ShmGen's analyzers over one 1,000-method file with 500 segment uses.");
analyzersMode.SetAction(_ => AnalyzerCostRunner.Run());

var asyncSamples = new Option<int>("--samples") { Description = "Wake-ups per row (default 2,000).", DefaultValueFactory = _ => 2000 };
var asyncMode = new Command("async", "Wake-up latency of DequeueAsync and Dequeue between processes, and threads with 1,000 pending calls.") { asyncSamples };
asyncMode.SetAction(result => AsyncWakeupRunner.Run(result.GetValue(asyncSamples), System.TimeSpan.FromMilliseconds(1)));
var asyncChildArguments = new[] { "mode", "waiter", "name", "samples" }.Select(name => new Argument<string>(name)).ToArray();
var asyncChild = new Command("async-child", "The consumer of one async row (started by async).") { Hidden = true };
foreach (var argument in asyncChildArguments)
{
    asyncChild.Add(argument);
}

asyncChild.SetAction(result => AsyncWakeupRunner.RunConsumer(
    result.GetValue(asyncChildArguments[0])!,
    result.GetValue(asyncChildArguments[1])!,
    result.GetValue(asyncChildArguments[2])!,
    int.Parse(result.GetValue(asyncChildArguments[3])!, CultureInfo.InvariantCulture)).GetAwaiter().GetResult());

var snapshotWindow = new Option<int>("--window-ms") { Description = "Milliseconds per row and round (default 500).", DefaultValueFactory = _ => 500 };
var snapshotRounds = new Option<int>("--rounds") { Description = "Interleaved rounds; rows show the median (default 5).", DefaultValueFactory = _ => 5 };
var snapshotMode = new Command("snapshot", "A collector's Lock+Dispose rate alone and beside a monitor process taking Snapshot(), as a markdown table.") { snapshotWindow, snapshotRounds };
snapshotMode.SetAction(result => ShmGen.Benchmarks.Snapshot.SnapshotRunner.Run(
    System.TimeSpan.FromMilliseconds(result.GetValue(snapshotWindow)), System.Math.Max(1, result.GetValue(snapshotRounds))));
var snapshotChildArguments = new[] { "status", "control", "cpu" }.Select(name => new Argument<string>(name)).ToArray();
var snapshotChild = new Command("snapshot-child", "The monitor of the snapshot mode (started by snapshot).") { Hidden = true };
foreach (var argument in snapshotChildArguments)
{
    snapshotChild.Add(argument);
}

snapshotChild.SetAction(result => ShmGen.Benchmarks.Snapshot.SnapshotRunner.RunChild(
    result.GetValue(snapshotChildArguments[0])!,
    result.GetValue(snapshotChildArguments[1])!,
    int.Parse(result.GetValue(snapshotChildArguments[2])!, CultureInfo.InvariantCulture)));

var natsItems = new Option<int>("--items") { Description = "Items per throughput row (default 200,000).", DefaultValueFactory = _ => 200_000 };
var natsSamples = new Option<int>("--samples") { Description = "One-at-a-time latency samples per row (default 5,000).", DefaultValueFactory = _ => 5_000 };
var natsRounds = new Option<int>("--rounds") { Description = "Interleaved rounds over all mechanisms (default 5); rows show the median round.", DefaultValueFactory = _ => 5 };
var natsJson = new Option<string?>("--json") { Description = "Also write the results as a JSON array to this path." };
var nats = new Command("nats", "64 B items through the NATS bridges beside plain NATS.Net (starts its own nats-server), as a markdown table.") { natsItems, natsSamples, natsRounds, natsJson };
nats.SetAction(result => ShmGen.Benchmarks.Nats.NatsRunner.RunAsync(
    result.GetValue(natsItems), result.GetValue(natsSamples), System.Math.Max(1, result.GetValue(natsRounds)), result.GetValue(natsJson)).GetAwaiter().GetResult());

var root = new RootCommand("ShmGen benchmarks: the IPC comparison table, micro benchmarks and generator cost.") { ipc, ipcChild, queue, queueChild, asyncMode, asyncChild, snapshotMode, snapshotChild, micro, generator, analyzersMode, nats };
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return root.Parse(args).Invoke();
