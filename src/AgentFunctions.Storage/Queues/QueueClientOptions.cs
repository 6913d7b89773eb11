using System.Diagnostics.CodeAnalysis;
using Azure.Core;

namespace AgentFunctions.Storage.Queues;

/// <summary>Options of a <see cref="QueueServiceClient"/> and the <see cref="QueueClient"/>s it hands out: retries, transport, diagnostics, service version.</summary>
public class QueueClientOptions : ClientOptions
{
    /// <summary>The newest service version this client speaks.</summary>
    public const ServiceVersion LatestVersion = ServiceVersion.V2021_12_02;

    /// <summary>Creates options that talk to the Queue service in <paramref name="version"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="version"/> is not a known version.</exception>
    public QueueClientOptions(ServiceVersion version = LatestVersion)
    {
        VersionString = version switch
        {
            ServiceVersion.V2021_12_02 => "2021-12-02",
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown Queue service version."),
        };
        Version = version;

        // Let the default HTTP logging show the headers and query parameters that help diagnose a
        // failure. The pop receipt stays redacted: with it a reader could delete or alter a message.
        foreach (var header in new[] { "x-ms-version", "x-ms-request-id", "x-ms-client-request-id", "x-ms-error-code", "x-ms-date", "x-ms-approximate-messages-count", "x-ms-time-next-visible" })
        {
            Diagnostics.LoggedHeaderNames.Add(header);
        }

        foreach (var parameter in new[] { "comp", "numofmessages", "peekonly", "visibilitytimeout", "messagettl" })
        {
            Diagnostics.LoggedQueryParameters.Add(parameter);
        }
    }

    /// <summary>The Queue service versions this client can speak (sent as <c>x-ms-version</c>).</summary>
    public enum ServiceVersion
    {
        /// <summary>2021-12-02.</summary>
        [SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "The Azure SDK's naming of service versions.")]
        V2021_12_02 = 1,
    }

    /// <summary>The service version requests are sent with.</summary>
    public ServiceVersion Version { get; }

    internal string VersionString { get; }
}
