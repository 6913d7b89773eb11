using Azure.Core;
using AgentFunctions.Storage.Stores;
using Azure.Data.Tables;

namespace AgentFunctions.Storage.Tables;

/// <summary>The SDK's table client options as this library uses them.</summary>
public static class TableClientOptionsExtensions
{
    /// <summary>
    /// Adds a client span per table call inside a trace (<c>Table {METHOD} {table}</c> on the AgentFunctions
    /// source), and turns storage being away (refused, reset, timed out, every retry failed, 5xx) into a
    /// <see cref="AgentFunctions.Core.Stores.StorageUnavailableException"/>; retries, timeouts, transport and the SDK's
    /// own diagnostics stay as the options say.
    /// </summary>
    public static TableClientOptions AddStorageTracing(this TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(new StorageTracingPolicy(StorageService.Table), HttpPipelinePosition.PerCall);
        options.AddPolicy(new StorageAvailabilityPolicy("table"), HttpPipelinePosition.PerCall);
        return options;
    }
}
