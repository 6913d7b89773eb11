using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace AgentFunctions.Benchmarks.Http;

/// <summary>
/// The standalone server (src/AgentFunctions.Server, built in the benchmark's configuration) as a
/// separate process on a loopback port the OS picks, over the given storage with its own table and
/// queue names, so that its memory is measured apart from the client's. Disposing it kills it; so
/// does the benchmark process ending (Ctrl+C, SIGTERM from eng/with-azurite.sh).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private const string ListeningLine = "AgentFunctions is listening on ";
    private const int KeptLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StringBuilder? _firstError;
    private int _firstErrorLines;
    private int _killed;

    private ServerProcess(Process process) => _process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public int Id => _process.Id;

    /// <summary>Lines the server wrote to stdout and stderr.</summary>
    public int OutputLines { get; private set; }

    /// <summary>Warnings the server logged (console <c>warn:</c> lines).</summary>
    public int Warnings { get; private set; }

    /// <summary>Stream consumers that fell behind the events a run holds in memory and read on from its event log (log event 108).</summary>
    public int FellBehind { get; private set; }

    /// <summary>Errors the server logged (console <c>fail:</c> and <c>crit:</c> lines).</summary>
    public int Errors { get; private set; }

    /// <summary>The first error the server logged, with the lines after it; null when none.</summary>
    public string? FirstError
    {
        get
        {
            lock (_lastLines)
            {
                return _firstError?.ToString();
            }
        }
    }

    /// <summary>Starts the server and waits until it says where it listens.</summary>
    /// <param name="connectionString">The storage.</param>
    /// <param name="prefix">Its table and queue names' prefix.</param>
    /// <param name="environment">More environment variables for the server (telemetry settings).</param>
    public static async Task<ServerProcess> StartAsync(string connectionString, string prefix, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dll = FindServerDll();
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Its content root, so that it reads its own appsettings.json (logging levels) as it ships.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.Environment["PORT"] = "0"; // the OS picks a free port; the server prints the one it got
        start.Environment["HOST"] = "127.0.0.1";
        start.Environment["Storage__ConnectionString"] = connectionString;
        start.Environment["Storage__Prefix"] = prefix;
        start.Environment["Model__Provider"] = "offline";
        foreach (var name in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "URLS", "urls" })
        {
            start.Environment.Remove(name); // these would win over PORT and HOST
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k == "DOTNET_STARTUP_HOOKS").ToList())
        {
            start.Environment.Remove(name); // telemetry only as the benchmark asks for it
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data, stdout: false);
        process.Exited += (_, _) => server._listening.TrySetException(new InvalidOperationException(
            $"The server exited during start-up (exit code {process.ExitCode}):{Environment.NewLine}{server.LastLines()}"));
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException("The server process did not start.");
        }

        server.WatchBenchmarkExit();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.BaseAddress = await server._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"The server did not say where it listens within 60 s:{Environment.NewLine}{server.LastLines()}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The server's peak resident set (VmHWM) and its resident set now (VmRSS), in bytes, from /proc/&lt;pid&gt;/status.</summary>
    public (long PeakBytes, long CurrentBytes) Memory()
    {
        long peak = 0, current = 0;
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                current = Kilobytes(line) * 1024;
            }
        }

        return (peak, current);
    }

    /// <summary>
    /// Resets the server's peak resident set (VmHWM) to its resident set now, by writing 5 to
    /// /proc/&lt;pid&gt;/clear_refs, so that the peak of one part of a benchmark is measured apart from the
    /// parts before it. False where the kernel does not allow it.
    /// </summary>
    public bool ResetPeak()
    {
        try
        {
            File.WriteAllText($"/proc/{Id}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The CPU time the server has used so far, all its threads, user and system (utime + stime of
    /// /proc/&lt;pid&gt;/stat, in clock ticks of 10 ms): what its work costs, far less swayed than wall-clock
    /// figures by what else the machine is doing.
    /// </summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnBenchmarkExit;
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        Kill();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"The server (pid {Id}) did not exit within 30 s of being killed.");
        }

        _process.Dispose();
    }

    /// <summary>Kills the server when this process ends another way than through <see cref="DisposeAsync"/>: a signal, or exiting.</summary>
    private void WatchBenchmarkExit()
    {
        AppDomain.CurrentDomain.ProcessExit += OnBenchmarkExit;
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            // The default action (ending this process) follows the handler.
            _signals.Add(PosixSignalRegistration.Create(signal, _ => Kill()));
        }
    }

    private void OnBenchmarkExit(object? sender, EventArgs e) => Kill();

    private void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }
    }

    private void OnLine(string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            OutputLines++;
            if (line.Contains(": a consumer fell behind the events held in memory after event ", StringComparison.Ordinal))
            {
                FellBehind++;
            }

            if (line.StartsWith("warn:", StringComparison.Ordinal))
            {
                Warnings++;
            }
            else if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            {
                Errors++;
                _firstError ??= new StringBuilder();
            }

            if (_firstError is not null && _firstErrorLines < 4)
            {
                _firstError.AppendLine(line);
                _firstErrorLines++;
            }

            _lastLines.Enqueue(line);
            if (_lastLines.Count > KeptLines)
            {
                _lastLines.Dequeue();
            }
        }

        if (stdout && line.StartsWith(ListeningLine, StringComparison.Ordinal)
            && Uri.TryCreate(line[ListeningLine.Length..].Trim(), UriKind.Absolute, out var address))
        {
            _listening.TrySetResult(address);
        }
    }

    private string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join(Environment.NewLine, _lastLines);
        }
    }

    private static long Kilobytes(string line)
        => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>
    /// The server's dll: AGENTFUNCTIONS_SERVER_DLL when set, else src/AgentFunctions.Server/bin/&lt;configuration&gt;/&lt;tfm&gt;
    /// beside this benchmark's own bin/&lt;configuration&gt;/&lt;tfm&gt; (eng/bench.sh builds both in Release).
    /// </summary>
    private static string FindServerDll()
    {
        if (Environment.GetEnvironmentVariable("AGENTFUNCTIONS_SERVER_DLL") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new FileNotFoundException($"AGENTFUNCTIONS_SERVER_DLL names {given}, which does not exist.");
        }

        var own = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = own.Name;
        var configuration = own.Parent?.Name ?? "Release";
        for (var dir = own; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentFunctions.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "AgentFunctions.Server", "bin", configuration, tfm, "AgentFunctions.Server.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new FileNotFoundException($"The server is not built at {dll}; build it with: dotnet build src/AgentFunctions.Server -c {configuration} (eng/bench.sh does).");
            }
        }

        throw new DirectoryNotFoundException($"No AgentFunctions.sln above {own.FullName}; set AGENTFUNCTIONS_SERVER_DLL to the server's dll.");
    }
}
