namespace AgentFunctions.Faults.Tests.Infrastructure;

/// <summary>Where the repository's Azurite and the built server are, from this test's own output folder.</summary>
internal static class RepositoryPaths
{
    private static readonly DirectoryInfo Own = new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    public static string Root { get; } = FindRoot();

    /// <summary>Azurite's entry point, installed by eng/with-azurite.sh (npm ci in eng/azurite).</summary>
    public static string AzuriteJs
    {
        get
        {
            var path = Path.Combine(Root, "eng", "azurite", "node_modules", "azurite", "dist", "src", "azurite.js");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Azurite is not installed at {path}: run npm ci --prefix eng/azurite (eng/test.sh does).");
        }
    }

    /// <summary>The server's dll, built in this test's configuration (AGENTFUNCTIONS_SERVER_DLL when set).</summary>
    public static string ServerDll
    {
        get
        {
            if (Environment.GetEnvironmentVariable("AGENTFUNCTIONS_SERVER_DLL") is { Length: > 0 } given)
            {
                return given;
            }

            var dll = Path.Combine(Root, "src", "AgentFunctions.Server", "bin", Own.Parent?.Name ?? "Release", Own.Name, "AgentFunctions.Server.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"The server is not built at {dll}.");
        }
    }

    private static string FindRoot()
    {
        for (var dir = Own; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No AgentFunctions.sln above {Own.FullName}.");
    }
}
