// ShmGen benchmarks. Three modes:
//   ipc        the IPC comparison table: two processes ping-pong one message, every mechanism at 8/64/4096 bytes
//   micro      BenchmarkDotNet: Guard access vs raw pointer vs accessor, lock costs, create/dispose/unlink
//   generator  ShmGenerator cost for 10/100/1000 annotated structs, and for an unrelated edit on a reused driver
using System.CommandLine;
using System.Globalization;
using ShmGen.Benchmarks.GeneratorCost;
using ShmGen.Benchmarks.Ipc;
using ShmGen.Benchmarks.Micro;

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

var micro = new Command("micro", "BenchmarkDotNet micro benchmarks; other arguments go to BenchmarkDotNet (e.g. --job short --filter *Guard*).")
{
    TreatUnmatchedTokensAsErrors = false,
};
micro.SetAction(result => MicroRunner.Run([.. result.UnmatchedTokens]));

var structCounts = new Option<int[]>("--structs") { Description = "Annotated struct counts (default 10, 100, 1000).", AllowMultipleArgumentsPerToken = true };
var generator = new Command("generator", "Time ShmGenerator with a GeneratorDriver: cold runs and an unrelated edit.") { structCounts };
generator.SetAction(result => GeneratorCostRunner.Run(result.GetValue(structCounts) is { Length: > 0 } counts ? counts : [10, 100, 1000]));

var root = new RootCommand("ShmGen benchmarks: the IPC comparison table, micro benchmarks and generator cost.") { ipc, ipcChild, micro, generator };
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return root.Parse(args).Invoke();
