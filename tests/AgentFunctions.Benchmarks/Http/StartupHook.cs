using System.Diagnostics;

#pragma warning disable CA1050 // The runtime looks for a StartupHook type in the global namespace.

/// <summary>
/// Loaded into a server process by <c>DOTNET_STARTUP_HOOKS</c> (the tracing benchmark's "listener" server): an
/// <see cref="ActivityListener"/> that samples every span of the library and records it, exporting nothing, so
/// that the cost of creating and filling spans is measured apart from the cost of exporting them.
/// </summary>
internal static class StartupHook
{
    private static ActivityListener? _listener;
    private static long _stopped;

    /// <summary>
    /// A file whose appearance asks for the live managed heap (the slow-streams benchmark's server): the answer, after a
    /// full blocking collection, is written to the same name plus <c>.bytes</c>, and the request deleted.
    /// </summary>
    public const string HeapRequestVariable = "AGENTFUNCTIONS_BENCH_HEAP_REQUEST";

    /// <summary>
    /// A file whose appearance asks for the storage requests made since the last ask (the storage-requests benchmark's
    /// server): one line each, <c>{start} {end} {span name}</c> in <see cref="Stopwatch"/> ticks (one clock for every
    /// process of the machine), written to the same name plus <c>.spans</c>, and the request deleted.
    /// </summary>
    public const string StorageRequestVariable = "AGENTFUNCTIONS_BENCH_STORAGE_REQUEST";

    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> StorageSpans = new();

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(HeapRequestVariable) is { Length: > 0 } request)
        {
            new Thread(() => AnswerHeapRequests(request)) { IsBackground = true, Name = "heap requests" }.Start();
            return;
        }

        if (Environment.GetEnvironmentVariable(StorageRequestVariable) is { Length: > 0 } storageRequest)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "AgentFunctions",
                Sample = (ref ActivityCreationOptions<ActivityContext> options)
                    => options.Kind == ActivityKind.Client ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData,
                ActivityStarted = activity => activity.SetCustomProperty("started", Stopwatch.GetTimestamp()),
                ActivityStopped = activity =>
                {
                    if (activity.DisplayName.StartsWith("Table ", StringComparison.Ordinal) || activity.DisplayName.StartsWith("Queue ", StringComparison.Ordinal))
                    {
                        StorageSpans.Enqueue($"{activity.GetCustomProperty("started")} {Stopwatch.GetTimestamp()} {activity.DisplayName}");
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
            new Thread(() => AnswerStorageRequests(storageRequest)) { IsBackground = true, Name = "storage requests" }.Start();
            return;
        }

        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AgentFunctions",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref _stopped),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private static void AnswerStorageRequests(string request)
    {
        while (true)
        {
            if (File.Exists(request))
            {
                var lines = new List<string>();
                while (StorageSpans.TryDequeue(out var line))
                {
                    lines.Add(line);
                }

                File.WriteAllLines(request + ".tmp", lines);
                File.Move(request + ".tmp", request + ".spans", overwrite: true);
                File.Delete(request);
            }

            Thread.Sleep(10);
        }
    }

    private static void AnswerHeapRequests(string request)
    {
        while (true)
        {
            if (File.Exists(request))
            {
                var live = GC.GetTotalMemory(forceFullCollection: true);
                File.WriteAllText(request + ".tmp", live.ToString(System.Globalization.CultureInfo.InvariantCulture));
                File.Move(request + ".tmp", request + ".bytes", overwrite: true);
                File.Delete(request);
            }

            Thread.Sleep(50);
        }
    }
}
