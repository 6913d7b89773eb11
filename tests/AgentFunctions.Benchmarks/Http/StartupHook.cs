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

    public static void Initialize()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AgentFunctions",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref _stopped),
        };
        ActivitySource.AddActivityListener(_listener);
    }
}
