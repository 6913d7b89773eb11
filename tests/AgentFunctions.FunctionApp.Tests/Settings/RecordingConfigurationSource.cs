using Microsoft.Extensions.Configuration;

namespace AgentFunctions.FunctionApp.Tests.Settings;

/// <summary>
/// A configuration source that holds nothing and records every key asked of it: added last, it is asked first for
/// every value the app reads (the options binder asks for each property's key), so its keys are the settings read.
/// </summary>
public sealed class RecordingConfigurationSource : IConfigurationSource
{
    private readonly RecordingProvider _provider = new();

    /// <summary>The keys read so far, as configuration writes them (<c>Auth:Mode</c>).</summary>
    public IReadOnlyCollection<string> Keys => _provider.Keys;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

    private sealed class RecordingProvider : ConfigurationProvider
    {
        private readonly HashSet<string> _keys = new(StringComparer.OrdinalIgnoreCase);

        public IReadOnlyCollection<string> Keys
        {
            get
            {
                lock (_keys)
                {
                    return [.. _keys];
                }
            }
        }

        public override bool TryGet(string key, out string? value)
        {
            lock (_keys)
            {
                _keys.Add(key);
            }

            value = null;
            return false;
        }
    }
}
