using System.Diagnostics.CodeAnalysis;

namespace AgentFunctions.Storage;

/// <summary>
/// A parsed Azure Storage connection string: the account's table and queue endpoints and how to
/// authenticate (Shared Key, a SAS token, or none, in which case a <see cref="Azure.Core.TokenCredential"/>
/// is expected from the caller).
/// </summary>
/// <remarks>
/// Understands <c>UseDevelopmentStorage=true</c> (Azurite on its default ports),
/// <c>DefaultEndpointsProtocol</c> + <c>AccountName</c> + <c>AccountKey</c> (+ <c>EndpointSuffix</c>),
/// explicit <c>TableEndpoint</c> / <c>QueueEndpoint</c>, and <c>SharedAccessSignature</c>.
/// </remarks>
public sealed class StorageConnectionString
{
    /// <summary>The well-known name of the emulator's account.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The well-known, public key of the emulator's account.</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageConnectionString(string? accountName, Uri tableEndpoint, Uri queueEndpoint, StorageSharedKeyCredential? sharedKey, string? sas)
    {
        AccountName = accountName;
        TableEndpoint = tableEndpoint;
        QueueEndpoint = queueEndpoint;
        SharedKeyCredential = sharedKey;
        SharedAccessSignature = sas;
    }

    /// <summary>The account name, when the connection string names one.</summary>
    public string? AccountName { get; }

    /// <summary>The Table service endpoint.</summary>
    public Uri TableEndpoint { get; }

    /// <summary>The Queue service endpoint.</summary>
    public Uri QueueEndpoint { get; }

    /// <summary>The Shared Key credential, when the connection string has an account key.</summary>
    public StorageSharedKeyCredential? SharedKeyCredential { get; }

    /// <summary>The SAS token (without a leading '?'), when the connection string has one.</summary>
    public string? SharedAccessSignature { get; }

    /// <summary>Parses a connection string.</summary>
    /// <exception cref="FormatException">The connection string is malformed or incomplete; the message says what is missing.</exception>
    public static StorageConnectionString Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (!TryParseCore(connectionString, out var result, out var error))
        {
            throw new FormatException(error);
        }

        return result;
    }

    /// <summary>Parses a connection string, returning false when it is malformed or incomplete.</summary>
    public static bool TryParse(string? connectionString, [NotNullWhen(true)] out StorageConnectionString? result)
        => TryParseCore(connectionString, out result, out _);

    private static bool TryParseCore(string? connectionString, [NotNullWhen(true)] out StorageConnectionString? result, out string error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "The storage connection string is empty.";
            return false;
        }

        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = "The storage connection string has a setting without a name or '=' (settings are name=value pairs separated by ';').";
                return false;
            }

            settings[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var dev) && string.Equals(dev, "true", StringComparison.OrdinalIgnoreCase))
        {
            var proxy = settings.TryGetValue("DevelopmentStorageProxyUri", out var p) ? p.TrimEnd('/') : "http://127.0.0.1";
            result = new StorageConnectionString(
                DevelopmentAccountName,
                new Uri($"{proxy}:10002/{DevelopmentAccountName}"),
                new Uri($"{proxy}:10001/{DevelopmentAccountName}"),
                new StorageSharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey),
                sas: null);
            error = string.Empty;
            return true;
        }

        settings.TryGetValue("AccountName", out var accountName);
        settings.TryGetValue("AccountKey", out var accountKey);
        settings.TryGetValue("SharedAccessSignature", out var sas);
        var protocol = settings.TryGetValue("DefaultEndpointsProtocol", out var proto) ? proto : "https";
        var suffix = settings.TryGetValue("EndpointSuffix", out var s) ? s : "core.windows.net";

        if (!TryEndpoint(settings, "TableEndpoint", "table", accountName, protocol, suffix, out var tableEndpoint, out error)
            || !TryEndpoint(settings, "QueueEndpoint", "queue", accountName, protocol, suffix, out var queueEndpoint, out error))
        {
            return false;
        }

        StorageSharedKeyCredential? sharedKey = null;
        if (!string.IsNullOrEmpty(accountKey))
        {
            if (string.IsNullOrEmpty(accountName))
            {
                error = "The storage connection string has an AccountKey but no AccountName.";
                return false;
            }

            try
            {
                sharedKey = new StorageSharedKeyCredential(accountName, accountKey);
            }
            catch (FormatException)
            {
                error = "The storage connection string's AccountKey is not valid Base64.";
                return false;
            }
        }

        result = new StorageConnectionString(accountName, tableEndpoint, queueEndpoint, sharedKey, string.IsNullOrEmpty(sas) ? null : sas.TrimStart('?'));
        error = string.Empty;
        return true;
    }

    private static bool TryEndpoint(
        Dictionary<string, string> settings, string key, string service, string? accountName, string protocol, string suffix,
        [NotNullWhen(true)] out Uri? endpoint, out string error)
    {
        error = string.Empty;
        if (settings.TryGetValue(key, out var explicitEndpoint))
        {
            if (Uri.TryCreate(explicitEndpoint.TrimEnd('/'), UriKind.Absolute, out endpoint)
                && (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps))
            {
                return true;
            }

            error = $"The storage connection string's {key} is not an absolute http(s) URI.";
            return false;
        }

        if (string.IsNullOrEmpty(accountName))
        {
            endpoint = null;
            error = $"The storage connection string needs an AccountName or an explicit {key}.";
            return false;
        }

        endpoint = new Uri($"{protocol}://{accountName}.{service}.{suffix}");
        return true;
    }
}
