namespace ShmGen.Benchmarks.GeneratorCost;

internal static class GeneratorCostRunner
{
    public static int Run(int[] counts) => 0;
}
