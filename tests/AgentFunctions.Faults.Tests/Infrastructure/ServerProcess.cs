using System.Diagnostics;
using System.Text.RegularExpressions;

namespace AgentFunctions.Faults.Tests.Infrastructure;

/// <summary>The built server (src/AgentFunctions.Server) as its own process on a port the OS picks, which a test may kill (SIGKILL) and start again.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ServerProcess(ChildProcess process, Uri address)
    {
        _process = process;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    public static async Task<ServerProcess> StartAsync(string connectionString, string prefix, IReadOnlyDictionary<string, string> settings)
    {
        var dll = RepositoryPaths.ServerDll;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)! };
        start.ArgumentList.Add(dll);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k is "DOTNET_STARTUP_HOOKS" or "ASPNETCORE_URLS" or "DOTNET_URLS" or "URLS" or "urls").ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["PORT"] = "0";
        start.Environment["HOST"] = "127.0.0.1";
        start.Environment["Storage__ConnectionString"] = connectionString;
        start.Environment["Storage__Prefix"] = prefix;
        start.Environment["Model__Provider"] = "offline";
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var process = ChildProcess.Start(start);
        try
        {
            var line = await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60));
            return new ServerProcess(process, new Uri(line.Groups[1].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server (SIGKILL): whatever it was doing stops mid-way.</summary>
    public Task KillAsync() => _process.KillAsync();

    public string LastLines() => _process.LastLines();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex(@"^AgentFunctions is listening on (\S+)")]
    private static partial Regex ListeningLine();
}
