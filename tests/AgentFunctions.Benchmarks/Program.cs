namespace AgentFunctions.Benchmarks;

internal static class Program
{
    private static int Main()
    {
        Console.WriteLine("No benchmarks yet.");
        return 0;
    }
}
