using AgentFunctions.Core.Graphs;
using System.Diagnostics;
using System.Text.Json;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.Stores;
using AgentFunctions.Core.Threads;
using AgentFunctions.Core.Tools;
using AgentFunctions.Storage.Assistants;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Runs;
using AgentFunctions.Storage.Threads;
using Azure.Data.Tables;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>
/// The runtime without HTTP: runs of the offline model (200 tokens, no delay) through the run
/// executor on the real stores, time to first event and events per second, without and with the
/// event log persisting; the overhead of persistence as a ratio.
/// </summary>
internal static class RuntimeBenchmark
{
    private const int Runs = 15;

    public static async Task RunAsync(string connectionString)
    {
        var service = new TableServiceClient(connectionString);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var threads = new TableThreadStore(service, "bth" + suffix);
        var assistants = new TableAssistantStore(service, "bas" + suffix);
        var checkpoints = new TableCheckpointStore(service, new CheckpointStoreOptions { TableName = "bcp" + suffix });
        var runs = new TableRunStore(service, "bru" + suffix);
        var events = new TableRunEventLog(service, new RunEventLogOptions { TableName = "bev" + suffix });
        var executor = new RunExecutor(runs, threads, assistants, checkpoints, events,
            new GraphRegistry([new AgentGraph(checkpoints, new SingleChatClientResolver(new OfflineChatClient()), new ToolRegistry())]));
        try
        {
            // Warm up both paths (JIT, tables, connections).
            await MeasureAsync(threads, runs, executor, persist: false);
            await MeasureAsync(threads, runs, executor, persist: true);

            var plain = new List<(double First, double Rate)>();
            var persisted = new List<(double First, double Rate)>();
            for (var i = 0; i < Runs; i++)
            {
                plain.Add(await MeasureAsync(threads, runs, executor, persist: false));
                persisted.Add(await MeasureAsync(threads, runs, executor, persist: true));
            }

            var (plainFirst, plainRate) = (Median(plain.Select(p => p.First)), Median(plain.Select(p => p.Rate)));
            var (persistFirst, persistRate) = (Median(persisted.Select(p => p.First)), Median(persisted.Select(p => p.Rate)));
            Console.WriteLine($"runs of the offline model (200 tokens, no delay, stream modes values + messages-tuple), median of {Runs}:");
            Console.WriteLine($"  events only in memory     first token {plainFirst,7:F1} ms   {plainRate,9:N0} events/s");
            Console.WriteLine($"  event log persisting      first token {persistFirst,7:F1} ms   {persistRate,9:N0} events/s");
            Console.WriteLine($"  persistence overhead      {plainRate / persistRate:F2}x the time per event, {persistFirst / plainFirst:F2}x the time to the first token (the metadata event comes before any storage call)");
        }
        finally
        {
            foreach (var name in new[] { "bth", "bas", "bcp", "bru", "bev" })
            {
                await service.DeleteTableAsync(name + suffix);
            }
        }
    }

    private static async Task<(double First, double Rate)> MeasureAsync(TableThreadStore threads, TableRunStore runs, RunExecutor executor, bool persist)
    {
        var thread = await threads.CreateAsync(new AgentThread { ThreadId = Guid.NewGuid().ToString("D"), OwnerId = "bench" });
        using var body = JsonDocument.Parse("""{"input":{"messages":[{"role":"user","content":"tokens=200"}]},"stream_mode":["values","messages-tuple"]}""");
        var options = RunOptions.Parse(body.RootElement);
        var run = await runs.CreateAsync(new AgentRun
        {
            RunId = RunIds.New(),
            OwnerId = "bench",
            ThreadId = thread.ThreadId,
            AssistantId = AgentGraph.GraphId,
            Kwargs = options.ToJson(),
            Metadata = JsonObjects.Empty,
        });

        var stopwatch = Stopwatch.StartNew();
        var handle = executor.Start(run, persist);
        double firstToken = 0;
        var count = 0;
        await foreach (var e in handle.ReadEventsAsync())
        {
            count++;
            if (firstToken == 0 && e.Event == "messages")
            {
                firstToken = stopwatch.Elapsed.TotalMilliseconds;
            }
        }

        await handle.Completion;
        return (firstToken, count / stopwatch.Elapsed.TotalSeconds);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
