namespace AgentFunctions.Storage.Stores;

/// <summary>
/// The names of a deployment's tables and queues: its prefix (letters and digits, or none) before each, so that
/// several deployments or test runs can share one storage account. One instance per host; every store and queue
/// takes its name from it.
/// </summary>
public sealed class StorageNames
{
    /// <summary>No prefix: the tables and queues by their own names.</summary>
    public static StorageNames Unprefixed { get; } = new(string.Empty);

    /// <exception cref="ArgumentException"><paramref name="prefix"/> is not letters and digits starting with a letter.</exception>
    public StorageNames(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (!IsValidPrefix(prefix))
        {
            throw new ArgumentException("A storage prefix is letters and digits, starting with a letter.", nameof(prefix));
        }

        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>Whether <paramref name="prefix"/> may go before table and queue names: empty, or ASCII letters and digits starting with a letter.</summary>
    public static bool IsValidPrefix(string prefix) => prefix.All(char.IsAsciiLetterOrDigit) && (prefix.Length == 0 || char.IsAsciiLetter(prefix[0]));

    /// <summary>A table's name with the prefix.</summary>
    public string Table(string name) => Prefix + name;

    /// <summary>A queue's name with the prefix (queues are lowercase).</summary>
    public string Queue(string name) => (Prefix + name).ToLowerInvariant();
}
