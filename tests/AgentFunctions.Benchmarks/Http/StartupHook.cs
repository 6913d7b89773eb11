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

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(HeapRequestVariable) is { Length: > 0 } request)
        {
            new Thread(() => AnswerHeapRequests(request)) { IsBackground = true, Name = "heap requests" }.Start();
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
