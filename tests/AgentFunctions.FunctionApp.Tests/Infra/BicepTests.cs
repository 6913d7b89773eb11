using System.Diagnostics;
using System.Reflection;

namespace AgentFunctions.FunctionApp.Tests.Infra;

/// <summary>
/// infra/ as <c>azd up</c> deploys it: every .bicep file builds to an ARM template and passes the linter, with no
/// warning, checked with the Bicep CLI from NuGet (the version is <c>BicepCommandLineVersion</c> in Directory.Packages.props).
/// </summary>
public class BicepTests
{
    private static readonly string Bicep = Metadata("Bicep");
    private static readonly string Infra = Metadata("Infra");

    [Fact(Timeout = 180_000)]
    public async Task Build_EveryFile_CompilesWithoutDiagnostics()
    {
        var output = Directory.CreateTempSubdirectory("agentfunctions-bicep-");
        try
        {
            var (exitCode, text) = await RunAsync("build", "--pattern", Path.Combine(Infra, "*.bicep"), "--no-restore", "--outdir", output.FullName);

            Assert.True(exitCode == 0 && text.Length == 0, text);
            Assert.Equal(
                Directory.GetFiles(Infra, "*.bicep").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal),
                output.GetFiles("*.json").Select(f => Path.GetFileNameWithoutExtension(f.Name)).Order(StringComparer.Ordinal));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task Lint_EveryFile_ReportsNothing()
    {
        var (exitCode, text) = await RunAsync("lint", "--pattern", Path.Combine(Infra, "*.bicep"), "--no-restore");

        Assert.True(exitCode == 0 && text.Length == 0, text);
    }

    /// <summary>Runs the CLI; its exit code and everything it wrote (diagnostics go to standard error).</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Bicep), $"The Bicep CLI is not at {Bicep}: restore this project (it downloads Azure.Bicep.CommandLine.linux-x64).");
        var start = new ProcessStartInfo(Bicep) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Infra };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }

    private static string Metadata(string key)
        => typeof(BicepTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
