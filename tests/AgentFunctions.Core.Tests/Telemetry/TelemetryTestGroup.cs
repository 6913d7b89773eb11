namespace AgentFunctions.Core.Tests.Telemetry;

/// <summary>Tests that listen to the library's spans and instruments, which are process-wide: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryTestGroup
{
    public const string Name = "Telemetry";
}
