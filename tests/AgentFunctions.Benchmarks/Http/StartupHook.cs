using System.Diagnostics;

#pragma warning disable CA1050 // The runtime looks for a StartupHook type in the global namespace.

/// <summary>
/// Loaded into a server process by <c>DOTNET_STARTUP_HOOKS</c> (the tracing benchmark's "listener" server): an
/// <see cref="ActivityListener"/> that samples every span of the library and records it, exporting nothing, so
/// that the cost of creating and filling spans is measured apart from the cost of exporting them.
/// </summary>
internal static class StartupHook
{
    private static ActivityListener? _listener;
    private static long _stopped;

    /// <summary>
    /// A file whose appearance asks for the live managed heap (the slow-streams benchmark's server): the answer, after a
    /// full blocking collection, is written to the same name plus <c>.bytes</c>, and the request deleted.
    /// </summary>
    public const string HeapRequestVariable = "AGENTFUNCTIONS_BENCH_HEAP_REQUEST";

    /// <summary>
    /// A file whose appearance asks for the storage requests made since the last ask (the storage-requests and growth
    /// benchmarks' server): one line each, <c>{start} {end} {span name}\t{request URI}</c>, start and end in
    /// <see cref="Stopwatch"/> ticks (one clock for every process of the machine), written to the same name plus
    /// <c>.spans</c>, and the request deleted. The URI, query string and all, is the one the storage span's HTTP request
    /// (its child span from System.Net.Http) sent; its last attempt's, when the request was retried.
    /// </summary>
    public const string StorageRequestVariable = "AGENTFUNCTIONS_BENCH_STORAGE_REQUEST";

    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> StorageSpans = new();

    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(HeapRequestVariable) is { Length: > 0 } request)
        {
            new Thread(() => AnswerHeapRequests(request)) { IsBackground = true, Name = "heap requests" }.Start();
            new Thread(SampleMemory) { IsBackground = true, Name = "memory samples" }.Start();
            _allocations = new AllocationListener();
            return;
        }

        if (Environment.GetEnvironmentVariable(StorageRequestVariable) is { Length: > 0 } storageRequest)
        {
            // The HTTP spans' url.full keeps its query string (the filter of a query) only with redaction off.
            AppContext.SetSwitch("System.Net.Http.DisableUriRedaction", true);
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is "AgentFunctions" or "System.Net.Http",
                Sample = (ref ActivityCreationOptions<ActivityContext> options)
                    => options.Kind == ActivityKind.Client ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData,
                ActivityStarted = activity => activity.SetCustomProperty("started", Stopwatch.GetTimestamp()),
                ActivityStopped = activity =>
                {
                    if (activity.Source.Name == "System.Net.Http")
                    {
                        activity.Parent?.SetCustomProperty("url", activity.GetTagItem("url.full"));
                    }
                    else if (activity.DisplayName.StartsWith("Table ", StringComparison.Ordinal) || activity.DisplayName.StartsWith("Queue ", StringComparison.Ordinal))
                    {
                        StorageSpans.Enqueue($"{activity.GetCustomProperty("started")} {Stopwatch.GetTimestamp()} {activity.DisplayName}\t{activity.GetCustomProperty("url")}");
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
            new Thread(() => AnswerStorageRequests(storageRequest)) { IsBackground = true, Name = "storage requests" }.Start();
            return;
        }

        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AgentFunctions",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ => Interlocked.Increment(ref _stopped),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private static void AnswerStorageRequests(string request)
    {
        while (true)
        {
            if (File.Exists(request))
            {
                var lines = new List<string>();
                while (StorageSpans.TryDequeue(out var line))
                {
                    lines.Add(line);
                }

                File.WriteAllLines(request + ".tmp", lines);
                File.Move(request + ".tmp", request + ".spans", overwrite: true);
                File.Delete(request);
            }

            Thread.Sleep(10);
        }
    }

    private static void AnswerHeapRequests(string request)
    {
        while (true)
        {
            if (File.Exists(request))
            {
                string answer;
                if (File.ReadAllText(request).Trim() == PeakRequest)
                {
                    lock (PeakLock)
                    {
                        answer = string.Join('\n', [_peak?.Text() ?? string.Empty, .. _allocations?.TakeLines() ?? []]);
                        _peak = null;
                    }
                }
                else
                {
                    answer = GC.GetTotalMemory(forceFullCollection: true).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                File.WriteAllText(request + ".tmp", answer);
                File.Move(request + ".tmp", request + ".bytes", overwrite: true);
                File.Delete(request);
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// What a heap request file holds to ask, instead of the live heap, for the memory sample with the highest resident
    /// set (VmRSS) since the last such ask (sampled every 20 ms): <c>name value</c> lines, see <see cref="MemorySample"/>.
    /// </summary>
    public const string PeakRequest = "peak";

    private static readonly Lock PeakLock = new();
    private static AllocationListener? _allocations;
    private static MemorySample? _peak;

    private static void SampleMemory()
    {
        while (true)
        {
            var sample = MemorySample.Take();
            lock (PeakLock)
            {
                if (_peak is null || sample.Rss > _peak.Rss)
                {
                    _peak = sample;
                }
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>
    /// The process's memory at one moment: resident set from /proc/self/status (all, anonymous, threads), the managed
    /// heap's bytes in use now (<see cref="GC.GetTotalMemory(bool)"/> without a collection), and what the last
    /// collection found (<see cref="GC.GetGCMemoryInfo()"/>: committed, heap size, fragmentation, each generation's
    /// size before and after it, promoted bytes, its pause), with the collections and bytes allocated so far.
    /// </summary>
    private sealed class MemorySample
    {
        private readonly List<(string Name, long Value)> _values = [];

        public long Rss { get; private set; }

        public static MemorySample Take()
        {
            var sample = new MemorySample();
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                foreach (var (field, name) in new[] { ("VmRSS:", "rss"), ("RssAnon:", "rss_anon"), ("RssFile:", "rss_file"), ("Threads:", "threads") })
                {
                    if (line.StartsWith(field, StringComparison.Ordinal))
                    {
                        var parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                        var value = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * (parts.Length > 1 ? 1024 : 1);
                        sample._values.Add((name, value));
                        if (name == "rss")
                        {
                            sample.Rss = value;
                        }
                    }
                }
            }

            var info = GC.GetGCMemoryInfo();
            sample._values.Add(("heap_in_use_now", GC.GetTotalMemory(forceFullCollection: false)));
            sample._values.Add(("gc_index", info.Index));
            sample._values.Add(("gc_generation", info.Generation));
            sample._values.Add(("gc_committed", info.TotalCommittedBytes));
            sample._values.Add(("gc_heap_size", info.HeapSizeBytes));
            sample._values.Add(("gc_fragmented", info.FragmentedBytes));
            sample._values.Add(("gc_promoted", info.PromotedBytes));
            sample._values.Add(("gc_pause_us", (long)info.PauseDurations[0].TotalMicroseconds));
            var names = new[] { "gen0", "gen1", "gen2", "loh", "poh" };
            for (var i = 0; i < info.GenerationInfo.Length && i < names.Length; i++)
            {
                sample._values.Add((names[i] + "_before", info.GenerationInfo[i].SizeBeforeBytes));
                sample._values.Add((names[i] + "_after", info.GenerationInfo[i].SizeAfterBytes));
            }

            // The last full collection (background or blocking): what it kept is what was alive then.
            var full = GC.GetGCMemoryInfo(GCKind.Background) is { Index: > 0 } background && background.Index > GC.GetGCMemoryInfo(GCKind.FullBlocking).Index
                ? background
                : GC.GetGCMemoryInfo(GCKind.FullBlocking);
            sample._values.Add(("full_gc_index", full.Index));
            sample._values.Add(("full_gc_promoted", full.PromotedBytes));
            sample._values.Add(("full_gc_heap_size", full.HeapSizeBytes));
            sample._values.Add(("gen0_collections", GC.CollectionCount(0)));
            sample._values.Add(("gen1_collections", GC.CollectionCount(1)));
            sample._values.Add(("gen2_collections", GC.CollectionCount(2)));
            sample._values.Add(("allocated_total", GC.GetTotalAllocatedBytes()));
            sample._values.Add(("pause_total_ms", (long)GC.GetTotalPauseDuration().TotalMilliseconds));
            foreach (var (name, value) in GC.GetConfigurationVariables())
            {
                long? number = value switch
                {
                    long l => l,
                    int i => i,
                    ulong u => unchecked((long)u),
                    bool b => b ? 1 : 0,
                    _ => null,
                };
                if (number is { } n)
                {
                    sample._values.Add(("config_" + name, n));
                }
            }

            return sample;
        }

        public string Text() => string.Join('\n', _values.Select(v => $"{v.Name} {v.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    /// <summary>
    /// The runtime's allocation ticks (an event about every 100 KB allocated, naming the type of the object that crossed
    /// the mark), added up by type and by heap (small object heap, or large object heap for objects of 85,000 bytes and
    /// more): which types the allocated bytes went to, to within the sampling.
    /// </summary>
    private sealed class AllocationListener : System.Diagnostics.Tracing.EventListener
    {
        private const long GcKeyword = 0x1;
        private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);

        /// <summary><c>alloc:{soh|loh|poh}:{type} {bytes}</c> lines since the last call.</summary>
        public IEnumerable<string> TakeLines()
        {
            lock (_bytes)
            {
                var lines = _bytes.Select(b => $"alloc:{b.Key} {b.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}").ToList();
                _bytes.Clear();
                return lines;
            }
        }

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)GcKeyword);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
            {
                return;
            }

            var kind = Convert.ToInt32(payload[names.IndexOf("AllocationKind")], System.Globalization.CultureInfo.InvariantCulture) switch { 0 => "soh", 1 => "loh", _ => "poh" };
            var type = (string?)payload[names.IndexOf("TypeName")] ?? "?";
            var amount = Convert.ToInt64(payload[names.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
            lock (_bytes)
            {
                var key = kind + ":" + string.Concat(type.Where(c => !char.IsWhiteSpace(c)));
                _bytes[key] = _bytes.GetValueOrDefault(key) + amount;
            }
        }
    }
}
