using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace AgentFunctions.Faults.Tests.Infrastructure;

/// <summary>
/// An Azurite of the tests' own, persisting to a folder on disk (<c>--location</c>), so that it can be stopped
/// (SIGSTOP/SIGCONT: a stall), killed and started again on the same ports and folder (an outage) with nothing lost.
/// </summary>
internal sealed partial class AzuriteProcess : IAsyncDisposable
{
    private const string Account = "devstoreaccount1";
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _folder = Directory.CreateTempSubdirectory("agentfunctions-faults-azurite.").FullName;
    private ChildProcess? _process;
    private int _blob;
    private int _queue;
    private int _table;

    public string ConnectionString => $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};BlobEndpoint=http://127.0.0.1:{_blob}/{Account};QueueEndpoint=http://127.0.0.1:{_queue}/{Account};TableEndpoint=http://127.0.0.1:{_table}/{Account};";

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<AzuriteProcess> StartAsync()
    {
        var azurite = new AzuriteProcess();
        await azurite.StartOnAsync(0, 0, 0);
        return azurite;
    }

    /// <summary>Stops Azurite in its tracks (SIGSTOP): connections stay open, nothing answers.</summary>
    public void Pause() => _process!.Signal("STOP");

    /// <summary>Lets a paused Azurite go on (SIGCONT).</summary>
    public void Resume() => _process!.Signal("CONT");

    /// <summary>
    /// Stops Azurite (SIGTERM, as a restart does: it saves what it holds to its folder first; SIGKILL after 15 s): connections
    /// are refused until it starts again.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            process.Signal("CONT");
            process.Signal("TERM");
            await process.WaitForExitAsync(TimeSpan.FromSeconds(15));
            await process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Starts Azurite again on the same ports over the same folder.</summary>
    public Task RestartAsync() => StartOnAsync(_blob, _queue, _table);

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                process.Signal("CONT"); // a paused process does not die of SIGKILL any later, but make sure
            }
            catch (InvalidOperationException)
            {
            }

            await process.DisposeAsync();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartOnAsync(int blob, int queue, int table)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = _folder };
        foreach (var argument in new[]
        {
            RepositoryPaths.AzuriteJs, "--location", _folder, "--disableTelemetry", "--skipApiVersionCheck", "--loose",
            "--blobHost", "127.0.0.1", "--blobPort", Port(blob), "--queueHost", "127.0.0.1", "--queuePort", Port(queue),
            "--tableHost", "127.0.0.1", "--tablePort", Port(table),
        })
        {
            start.ArgumentList.Add(argument);
        }

        // A port just given up may still be held for a moment: try a few times.
        for (var attempt = 1; ; attempt++)
        {
            var process = ChildProcess.Start(start);
            try
            {
                _blob = await PortOfAsync(process, "Blob");
                _queue = await PortOfAsync(process, "Queue");
                _table = await PortOfAsync(process, "Table");
                _process = process;
                break;
            }
            catch (Exception) when (attempt < 10 && blob != 0)
            {
                await process.DisposeAsync();
                await Task.Delay(300);
            }
        }

        foreach (var port in new[] { _blob, _queue, _table })
        {
            await WaitForPortAsync(port);
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<int> PortOfAsync(ChildProcess process, string service)
    {
        var line = await process.WaitForLineAsync(new Regex($"Azurite {service} service is successfully listening at http://127\\.0\\.0\\.1:(\\d+)"), TimeSpan.FromSeconds(60));
        return int.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (i < 300)
            {
                await Task.Delay(100);
            }
        }
    }
}
