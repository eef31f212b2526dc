using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace ShmGen.Benchmarks.Micro;

/// <summary>
/// The <c>micro</c> mode: hands the remaining arguments to BenchmarkDotNet (<c>--job short</c>, <c>--filter</c>, ...).
/// Benchmarks run in this process (<c>--inProcess</c>) unless <c>--outOfProcess</c> is given: this program is already a
/// Release build, and BenchmarkDotNet's generated wrapper project would otherwise be rebuilt inside this repository,
/// under its central package management and warnings-as-errors, for every run.
/// </summary>
internal static class MicroRunner
{
    public static int Run(string[] args)
    {
        var outOfProcess = args.Contains("--outOfProcess");
        var forwarded = args.Where(a => a != "--outOfProcess").ToList();
        if (!outOfProcess && !forwarded.Contains("--inProcess"))
        {
            forwarded.Add("--inProcess");
        }

        if (!forwarded.Any(a => a is "--filter" or "-f"))
        {
            forwarded.AddRange(["--filter", "*"]);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroRunner).Assembly).Run([.. forwarded]);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
