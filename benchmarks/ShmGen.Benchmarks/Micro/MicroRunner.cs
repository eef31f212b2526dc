namespace ShmGen.Benchmarks.Micro;

internal static class MicroRunner
{
    public static int Run(string[] args) => 0;
}
