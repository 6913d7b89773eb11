using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Runtime;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Stores;

namespace AgentFunctions.Core.Runs;

/// <summary>What a client may do when it goes away from a run's stream.</summary>
public enum DisconnectAction
{
    /// <summary>Stop the run (the default for streamed runs, as in LangGraph).</summary>
    Cancel,

    /// <summary>Let the run go on.</summary>
    Continue,
}

/// <summary>
/// A run request's options in LangGraph's shape (<c>input</c>, <c>command</c>, <c>config</c>,
/// <c>context</c>, <c>metadata</c>, <c>stream_mode</c>, <c>interrupt_before</c>,
/// <c>interrupt_after</c>, <c>checkpoint_id</c> or <c>checkpoint</c>, <c>multitask_strategy</c>,
/// <c>stream_resumable</c>, <c>on_disconnect</c>), validated once when the run is created and kept
/// on the run (<see cref="AgentRun.Kwargs"/>) for whichever executor runs it.
/// </summary>
public sealed record RunOptions
{
    /// <summary>The input as the client sent it (null to resume).</summary>
    public JsonElement? Input { get; init; }

    /// <summary><c>command.update</c>: a state update applied as the input is.</summary>
    public JsonElement? CommandUpdate { get; init; }

    /// <summary><c>command.goto</c>: the node (<c>agent</c> or <c>tools</c>) the run continues at instead of the pending one.</summary>
    public string? Goto { get; init; }

    /// <summary><c>command.resume</c>: the decisions for the tool calls waiting for approval (see <see cref="ToolApprovals"/>).</summary>
    public JsonElement? Resume { get; init; }

    public JsonElement Config { get; init; } = JsonObjects.Empty;

    public JsonElement Context { get; init; } = JsonObjects.Empty;

    public IReadOnlyList<StreamMode> StreamModes { get; init; } = [StreamMode.Values];

    public IReadOnlyList<string> InterruptBefore { get; init; } = [];

    public IReadOnlyList<string> InterruptAfter { get; init; } = [];

    public string? CheckpointId { get; init; }

    public MultitaskStrategy MultitaskStrategy { get; init; } = MultitaskStrategy.Reject;

    public bool StreamResumable { get; init; }

    public DisconnectAction? OnDisconnect { get; init; }

    /// <summary>The longest <c>after_seconds</c>: seven days, the longest a storage queue message can stay hidden.</summary>
    public const double MaxAfterSeconds = 7 * 24 * 60 * 60;

    /// <summary><c>after_seconds</c>: how long a background run waits on its queue before it starts (null: none).</summary>
    public double? AfterSeconds { get; init; }

    /// <summary><c>webhook</c>: an http(s) URL the run is POSTed to when it ends (null: none).</summary>
    public string? Webhook { get; init; }

    /// <summary>How long the run waits before it starts.</summary>
    public TimeSpan Delay => AfterSeconds is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;

    /// <summary>The update the run applies before the graph runs: the input, or <c>command.update</c>; null to resume.</summary>
    public StateUpdate? ToStateUpdate()
    {
        if (Input is { } input && input.ValueKind != JsonValueKind.Null)
        {
            return StateUpdate.ParseInput(input, "$.input");
        }

        return CommandUpdate is { } update && update.ValueKind != JsonValueKind.Null ? StateUpdate.ParseInput(update, "$.command.update") : null;
    }

    /// <summary>Reads and checks a run request body (or a stored <see cref="AgentRun.Kwargs"/>).</summary>
    /// <exception cref="RunOptionsException">A value has the wrong type or is not allowed; the path says which.</exception>
    public static RunOptions Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new RunOptionsException("$", "must be a JSON object");
        }

        var options = new RunOptions
        {
            Input = Optional(body, "input", JsonValueKind.Object, JsonValueKind.Array, JsonValueKind.String),
            Config = Optional(body, "config", JsonValueKind.Object) ?? JsonObjects.Empty,
            Context = Optional(body, "context", JsonValueKind.Object) ?? JsonObjects.Empty,
            StreamModes = ReadStreamModes(body),
            InterruptBefore = ReadNodes(body, "interrupt_before"),
            InterruptAfter = ReadNodes(body, "interrupt_after"),
            CheckpointId = ReadCheckpointId(body),
            MultitaskStrategy = ReadEnum(body, "multitask_strategy", MultitaskStrategy.Reject, ("reject", MultitaskStrategy.Reject), ("enqueue", MultitaskStrategy.Enqueue), ("interrupt", MultitaskStrategy.Interrupt), ("rollback", MultitaskStrategy.Rollback)),
            StreamResumable = Optional(body, "stream_resumable", JsonValueKind.True, JsonValueKind.False)?.GetBoolean() ?? false,
            OnDisconnect = Optional(body, "on_disconnect", JsonValueKind.String) is null ? null
                : ReadEnum(body, "on_disconnect", DisconnectAction.Cancel, ("cancel", DisconnectAction.Cancel), ("continue", DisconnectAction.Continue)),
            AfterSeconds = ReadAfterSeconds(body),
            Webhook = ReadWebhook(body),
        };

        CheckConfig(options.Config);
        CheckUnused(body);
        if (Optional(body, "command", JsonValueKind.Object) is { } command)
        {
            if (options.Input is { ValueKind: not JsonValueKind.Null })
            {
                throw new RunOptionsException("$.command", "cannot be sent with input: send input to start a turn, or a command to resume or update one");
            }

            if (command.TryGetProperty("resume", out var resume) && resume.ValueKind != JsonValueKind.Null)
            {
                options = options with { Resume = resume.Clone() };
            }

            if (command.TryGetProperty("goto", out var go) && go.ValueKind != JsonValueKind.Null)
            {
                options = options with
                {
                    Goto = go.ValueKind == JsonValueKind.String && go.GetString() is AgentGraph.AgentNode or AgentGraph.ToolsNode
                        ? go.GetString()
                        : throw new RunOptionsException("$.command.goto", "must be a node of the graph: agent or tools"),
                };
            }

            options = options with { CommandUpdate = Optional(command, "update", "$.command.update", JsonValueKind.Object) };
            if (options.CommandUpdate is not null && (options.Resume is not null || options.Goto is not null))
            {
                // An update is applied as input, which starts a new turn: with a resume or goto it would drop what they continue.
                throw new RunOptionsException("$.command.update", "cannot be sent with resume or goto here: update the state first (a run with only command.update, or POST /threads/{thread_id}/state), then resume");
            }
        }

        // Check the input now, so a bad message is a 422 when the run is created, not a failed run later.
        try
        {
            _ = options.ToStateUpdate();
        }
        catch (Messages.MessageValidationException e)
        {
            throw new RunOptionsException(e.Path, e.Reason);
        }

        return options;
    }

    /// <summary>The options as stored on the run: the body's own JSON, normalised.</summary>
    public JsonElement ToJson() => WireJson.Build(w =>
    {
        w.WriteStartObject();
        if (Input is { } input)
        {
            w.WritePropertyName("input");
            input.WriteTo(w);
        }

        if (CommandUpdate is not null || Resume is not null || Goto is not null)
        {
            w.WriteStartObject("command");
            if (CommandUpdate is { } update)
            {
                w.WritePropertyName("update");
                update.WriteTo(w);
            }

            if (Resume is { } resume)
            {
                w.WritePropertyName("resume");
                resume.WriteTo(w);
            }

            if (Goto is { } node)
            {
                w.WriteString("goto", node);
            }

            w.WriteEndObject();
        }

        w.WritePropertyName("config");
        Config.WriteTo(w);
        w.WritePropertyName("context");
        Context.WriteTo(w);
        w.WriteStartArray("stream_mode");
        foreach (var mode in StreamModes)
        {
            w.WriteStringValue(mode.ToWireName());
        }

        w.WriteEndArray();
        WriteList(w, "interrupt_before", InterruptBefore);
        WriteList(w, "interrupt_after", InterruptAfter);
        if (CheckpointId is not null)
        {
            w.WriteString("checkpoint_id", CheckpointId);
        }

        w.WriteString("multitask_strategy", MultitaskStrategy.ToString().ToLowerInvariant());
        w.WriteBoolean("stream_resumable", StreamResumable);
        if (OnDisconnect is { } onDisconnect)
        {
            w.WriteString("on_disconnect", onDisconnect.ToString().ToLowerInvariant());
        }

        if (AfterSeconds is { } afterSeconds)
        {
            w.WriteNumber("after_seconds", afterSeconds);
        }

        if (Webhook is not null)
        {
            w.WriteString("webhook", Webhook);
        }

        w.WriteEndObject();
    });

    private static double? ReadAfterSeconds(JsonElement body)
        => Optional(body, "after_seconds", JsonValueKind.Number) is not { } after ? null
            : after.TryGetDouble(out var seconds) && seconds >= 0 && seconds <= MaxAfterSeconds ? seconds
            : throw new RunOptionsException("$.after_seconds", $"must be a number of seconds from 0 to {MaxAfterSeconds:0} (7 days, the longest a queued run can wait)");

    private static string? ReadWebhook(JsonElement body)
        => Optional(body, "webhook", JsonValueKind.String) is not { } webhook ? null
            : Uri.TryCreate(webhook.GetString(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0 ? webhook.GetString()
            : throw new RunOptionsException("$.webhook", "must be an absolute http or https URL");

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static JsonElement? Optional(JsonElement body, string name, params JsonValueKind[] kinds)
        => Optional(body, name, "$." + name, kinds);

    private static JsonElement? Optional(JsonElement body, string name, string path, params JsonValueKind[] kinds)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return kinds.Contains(value.ValueKind)
            ? value.Clone()
            : throw new RunOptionsException(path, $"must be {string.Join(" or ", kinds.Select(JsonObjects.Describe).Distinct())}, not {JsonObjects.Describe(value.ValueKind)}");
    }

    private static List<StreamMode> ReadStreamModes(JsonElement body)
    {
        var value = Optional(body, "stream_mode", JsonValueKind.String, JsonValueKind.Array);
        if (value is not { } modes)
        {
            return [StreamMode.Values];
        }

        var names = modes.ValueKind == JsonValueKind.String ? [modes] : modes.EnumerateArray().ToList();
        var result = new List<StreamMode>();
        for (var i = 0; i < names.Count; i++)
        {
            var path = modes.ValueKind == JsonValueKind.String ? "$.stream_mode" : $"$.stream_mode[{i}]";
            var name = names[i].ValueKind == JsonValueKind.String ? names[i].GetString() : null;
            if (name == "events")
            {
                throw new RunOptionsException(path, "'events' is not supported; use values, updates, messages, messages-tuple, checkpoints, tasks, debug or custom");
            }

            if (!Runtime.StreamModes.TryParse(name, out var mode))
            {
                throw new RunOptionsException(path, "must be one of values, updates, messages, messages-tuple, checkpoints, tasks, debug, custom");
            }

            if (!result.Contains(mode))
            {
                result.Add(mode);
            }
        }

        return result.Count == 0 ? [StreamMode.Values] : result;
    }

    private static List<string> ReadNodes(JsonElement body, string name)
    {
        var value = Optional(body, name, JsonValueKind.String, JsonValueKind.Array);
        if (value is not { } nodes)
        {
            return [];
        }

        if (nodes.ValueKind == JsonValueKind.String)
        {
            return nodes.GetString() == "*" ? ["*"] : throw new RunOptionsException("$." + name, "must be \"*\" or a list of node names");
        }

        var result = new List<string>();
        var i = 0;
        foreach (var node in nodes.EnumerateArray())
        {
            var text = node.ValueKind == JsonValueKind.String ? node.GetString()! : throw new RunOptionsException($"$.{name}[{i}]", "must be a node name");
            if (text is not ("*" or AgentGraph.AgentNode or AgentGraph.ToolsNode))
            {
                throw new RunOptionsException($"$.{name}[{i}]", $"'{text}' is not a node of the graph (agent, tools)");
            }

            result.Add(text);
            i++;
        }

        return result;
    }

    /// <summary>The run's config, checked as an assistant's is, so a wrong type is a 422 when the run is created, not a failed run.</summary>
    private static void CheckConfig(JsonElement config)
    {
        try
        {
            _ = Assistants.AssistantSettings.From(config);
        }
        catch (Assistants.AssistantConfigException e)
        {
            throw new RunOptionsException("$.config" + e.Path[1..], e.Reason.TrimEnd('.'));
        }
    }

    /// <summary>
    /// Fields of LangGraph's run schema this server accepts without acting on them (feedback keys,
    /// subgraph streaming, durability): each is still checked for its type, so a client's mistake is not silently taken.
    /// </summary>
    private static void CheckUnused(JsonElement body)
    {
        if (Optional(body, "feedback_keys", JsonValueKind.Array) is { } keys)
        {
            var i = 0;
            foreach (var key in keys.EnumerateArray())
            {
                if (key.ValueKind != JsonValueKind.String)
                {
                    throw new RunOptionsException($"$.feedback_keys[{i}]", "must be a string");
                }

                i++;
            }
        }

        _ = Optional(body, "stream_subgraphs", JsonValueKind.True, JsonValueKind.False);
        _ = Optional(body, "checkpoint_during", JsonValueKind.True, JsonValueKind.False);
        _ = ReadEnum(body, "durability", "async", ("sync", "sync"), ("async", "async"), ("exit", "exit"));
        if (Optional(body, "checkpoint", JsonValueKind.Object) is { } checkpoint)
        {
            _ = Optional(checkpoint, "checkpoint_ns", "$.checkpoint.checkpoint_ns", JsonValueKind.String);
            _ = Optional(checkpoint, "checkpoint_map", "$.checkpoint.checkpoint_map", JsonValueKind.Object);
            _ = Optional(checkpoint, "thread_id", "$.checkpoint.thread_id", JsonValueKind.String);
        }
    }

    private static string? ReadCheckpointId(JsonElement body)
    {
        var id = Optional(body, "checkpoint_id", JsonValueKind.String)?.GetString();
        if (id is null && Optional(body, "checkpoint", JsonValueKind.Object) is { } checkpoint)
        {
            id = Optional(checkpoint, "checkpoint_id", "$.checkpoint.checkpoint_id", JsonValueKind.String)?.GetString();
        }

        return id is null || CheckpointIds.TryGetSequence(id, out _)
            ? id
            : throw new RunOptionsException("$.checkpoint_id", "is not a checkpoint id");
    }

    private static T ReadEnum<T>(JsonElement body, string name, T fallback, params (string Name, T Value)[] values)
    {
        var text = Optional(body, name, JsonValueKind.String)?.GetString();
        if (text is null)
        {
            return fallback;
        }

        foreach (var (wire, value) in values)
        {
            if (wire == text)
            {
                return value;
            }
        }

        throw new RunOptionsException("$." + name, $"must be one of {string.Join(", ", values.Select(v => v.Name))}");
    }
}

/// <summary>A run request that cannot be run as it is (HTTP 422): <see cref="Path"/> says where, <see cref="Reason"/> what.</summary>
public sealed class RunOptionsException : ArgumentException
{
    public RunOptionsException()
        : this("$", "The run request is not valid.")
    {
    }

    public RunOptionsException(string message)
        : this("$", message)
    {
    }

    public RunOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Path = "$";
        Reason = message;
    }

    public RunOptionsException(string path, string reason)
        : base($"{path} {reason}.")
    {
        Path = path;
        Reason = reason;
    }

    public string Path { get; }

    public string Reason { get; }
}
