using AgentFunctions.Benchmarks.Http;
using AgentFunctions.Benchmarks.Storage;
using AgentFunctions.Benchmarks.Tools;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// On-demand benchmarks, run against the storage in AGENTFUNCTIONS_STORAGE_CONNECTION_STRING
/// (eng/bench.sh starts a private Azurite for them). Each prints its figures and the ratios
/// measured in the same run; nothing here is asserted in CI.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, Func<string, Task>> Benchmarks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["tables"] = TableBenchmark.RunAsync,
        ["checkpoints"] = CheckpointBenchmark.RunAsync,
        ["compaction"] = CompactionBenchmark.RunAsync,
        ["runtime"] = RuntimeBenchmark.RunAsync,
        ["runevents"] = RunEventBenchmark.RunAsync,
        ["http"] = HttpBenchmark.RunAsync,
        ["historypage"] = HistoryPageBenchmark.RunAsync,
        ["compression"] = CompressionBenchmark.RunAsync,
        ["tracing"] = TracingBenchmark.RunAsync,
        ["slowstreams"] = SlowStreamBenchmark.RunAsync,
        ["requests"] = StorageRequestsBenchmark.RunAsync,
        ["growth"] = GrowthBenchmark.RunAsync,
        ["mcp"] = McpToolBenchmark.RunAsync,
    };

    /// <summary>Run only when named: it needs the Functions app running under a host (eng/func-e2e.sh --bench).</summary>
    private static readonly Dictionary<string, Func<string, Task>> OnRequest = new(StringComparer.OrdinalIgnoreCase)
    {
        ["functions"] = FunctionsHostBenchmark.RunAsync,
    };

    private static async Task<int> Main(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("AGENTFUNCTIONS_STORAGE_CONNECTION_STRING");
        if (string.IsNullOrEmpty(connectionString))
        {
            await Console.Error.WriteLineAsync("AGENTFUNCTIONS_STORAGE_CONNECTION_STRING is not set; run through eng/bench.sh.");
            return 2;
        }

        var selected = args.Length == 0 ? Benchmarks.Keys.ToArray() : args;
        foreach (var name in selected)
        {
            if (!Benchmarks.TryGetValue(name, out var run) && !OnRequest.TryGetValue(name, out run))
            {
                await Console.Error.WriteLineAsync($"Unknown benchmark '{name}'. Known: {string.Join(", ", Benchmarks.Keys.Concat(OnRequest.Keys))}.");
                return 2;
            }

            Console.WriteLine($"## {name}");
            await run(connectionString);
            Console.WriteLine();
        }

        return 0;
    }
}
