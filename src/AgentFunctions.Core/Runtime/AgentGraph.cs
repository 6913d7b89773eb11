using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.RunEvents;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Telemetry;
using AgentFunctions.Core.Tools;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentFunctions.Core.Runtime;

/// <summary>
/// The tool-calling loop that LangGraph users know as a two-node graph (the built-in graph id is <c>agent</c>; a
/// deployment declares more with an <see cref="AgentGraphDefinition"/>): node <c>agent</c> calls the model with the
/// thread's messages; when the reply calls tools, node <c>tools</c> runs them (in parallel, one tool message each) and
/// control returns to <c>agent</c>; otherwise the run ends. The input is checkpointed first (source <c>input</c>), then
/// every node's completion (source <c>loop</c>), with LangGraph's step numbers. Events are produced as they happen:
/// each token as the model streams it. The loop owns tool calls (each one checkpointed), calling
/// <see cref="AIFunction.InvokeAsync"/> itself.
/// </summary>
public sealed class AgentGraph : IAgentGraph
{
    public const string GraphId = "agent";
    public const string AgentNode = "agent";
    public const string ToolsNode = "tools";
    public const string StartNode = "__start__";

    private readonly ICheckpointStore _checkpoints;
    private readonly IChatClientResolver _models;
    private readonly ToolRegistry _tools;
    private readonly IReadOnlyList<IToolSource> _toolSources;
    private readonly AgentGraphDefinition _definition;
    private readonly AIAgent? _agent;
    private readonly TimeProvider _time;

    /// <summary>The built-in graph <c>agent</c>: the default model with every registered tool.</summary>
    public AgentGraph(ICheckpointStore checkpoints, IChatClientResolver models, ToolRegistry tools, TimeProvider? time = null)
        : this(AgentGraphDefinition.BuiltIn, checkpoints, models, tools, [], time)
    {
    }

    /// <summary>The graph <paramref name="definition"/> declares, its tool sources resolved (<paramref name="toolSources"/>, in the definition's order).</summary>
    public AgentGraph(
        AgentGraphDefinition definition, ICheckpointStore checkpoints, IChatClientResolver models, ToolRegistry tools, IReadOnlyList<IToolSource> toolSources, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(toolSources);
        _definition = definition;
        _checkpoints = checkpoints;
        _models = models;
        _tools = tools;
        _toolSources = toolSources;
        _time = time ?? TimeProvider.System;
        Defaults = definition.ToSettings();
    }

    /// <summary>
    /// The graph that serves an Agent Framework <paramref name="agent"/>: node <c>agent</c> runs it over the thread's
    /// messages (it calls its own tools), streaming its updates as the loop's own; its reply, tool calls and results,
    /// is checkpointed in the thread's state. See <see cref="AgentFrameworkGraph"/>.
    /// </summary>
    internal AgentGraph(AgentGraphDefinition definition, AIAgent agent, ICheckpointStore checkpoints, TimeProvider? time)
        : this(definition, checkpoints, new SingleChatClientResolver(NoModel.Instance), new ToolRegistry(), [], time)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _agent = agent;
    }

    public string Id => _definition.Id;

    public string Description => _definition.Description ?? $"The tool-calling graph '{_definition.Id}'.";

    public AssistantSettings Defaults { get; }

    public AgentGraphDefinition Definition => _definition;

    /// <summary>Every model (an assistant may pick any) and the graph's tools: its registered ones and its sources' (a source that cannot list them adds none).</summary>
    public async ValueTask<GraphChoices> GetChoicesAsync(CancellationToken cancellationToken)
    {
        var offered = await OfferedToolsAsync(cancellationToken).ConfigureAwait(false);
        return new GraphChoices(_models.Names, [.. offered.Select(t => t.Name)]);
    }

    /// <summary>
    /// The graph's edges: after <c>__start__</c> and after <c>tools</c> comes <c>agent</c>; after <c>agent</c>,
    /// <c>tools</c> when the state's last message is an AI message that calls tools, else nothing (the run ends).
    /// </summary>
    public static IReadOnlyList<string> NextAfter(string node, AgentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return node switch
        {
            StartNode or ToolsNode => [AgentNode],
            _ => state.Messages.Count > 0 && state.Messages[^1] is AIMessage { ToolCalls.Count: > 0 } ? [ToolsNode] : [],
        };
    }

    /// <summary>
    /// Runs the graph. Enumerate the result to drive the run; when it ends, <see cref="RunExecution.Outcome"/>
    /// says how. Cancelling the enumeration stops the run between two events (the outcome is interrupted).
    /// </summary>
    public RunExecution Run(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var execution = new RunExecution();
        execution.Events = ExecuteAsync(request, execution);
        return execution;
    }

    private async IAsyncEnumerable<RunEvent> ExecuteAsync(RunRequest request, RunExecution execution, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var events = new EventBuilder(request);
        yield return events.Metadata();

        RunOutcome? outcome = null;
        var steps = RunStepsAsync(request, events, o => outcome = o, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                RunEvent? failure = null;
                try
                {
                    if (!await steps.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    outcome = new RunOutcome(RunStatus.Interrupted, "The run was cancelled.");
                    throw;
                }
                catch (Exception e)
                {
                    // A fault of ours or of storage: the client gets a generic error event, the details stay in the outcome.
                    outcome = new RunOutcome(RunStatus.Error, "The run failed.") { Exception = e };
                    failure = events.Error(e is CheckpointNotFoundException ? "CheckpointNotFound" : "InternalError", e is CheckpointNotFoundException ? e.Message : "The run failed.");
                }

                if (failure is not null)
                {
                    yield return failure;
                    break;
                }

                yield return steps.Current;
            }
        }
        finally
        {
            await steps.DisposeAsync().ConfigureAwait(false);
            execution.Outcome = outcome ?? (cancellationToken.IsCancellationRequested
                ? new RunOutcome(RunStatus.Interrupted, "The run was cancelled.")
                : new RunOutcome(RunStatus.Interrupted, "The run's events were not read to the end."));
        }
    }

    private async IAsyncEnumerable<RunEvent> RunStepsAsync(RunRequest request, EventBuilder events, Action<RunOutcome> setOutcome, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = request.CheckpointId is { } from
            ? await _checkpoints.GetAsync(request.OwnerId, request.ThreadId, from, cancellationToken).ConfigureAwait(false)
                ?? throw new CheckpointNotFoundException($"Thread '{request.ThreadId}' has no checkpoint '{from}'.")
            : request.LatestCheckpoint is { } latest
                ? await latest.WaitAsync(cancellationToken).ConfigureAwait(false)
                : await _checkpoints.GetLatestAsync(request.OwnerId, request.ThreadId, cancellationToken).ConfigureAwait(false);

        var cursor = new Cursor(start, request.CheckpointId is not null);
        if (request.Input is null && request.Goto is { } jump)
        {
            // command.goto: the run continues at that node, whatever the thread had pending.
            cursor.GoTo(jump);
        }
        var enabledTools = await EnabledToolsAsync(request.Settings.Tools, cancellationToken).ConfigureAwait(false);
        var error = (RunEvent?)null;

        if (request.Input is { } input)
        {
            // The input checkpoint holds the state before the input; the next one applies it.
            var inputWrites = WireJson.Build(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName(StartNode);
                input.WriteTo(w);
                w.WriteEndObject();
            });
            foreach (var e in await PutAsync(request, events, cursor, StateUpdate.Empty, inputWrites, [StartNode], CheckpointSource.Input, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            // Calls left without a result (waiting for approval, or stopped before the tools node) get one first: a
            // model API refuses a history with an AI message's tool call unanswered.
            var unanswered = PendingCalls(cursor.State);
            var update = unanswered.Count == 0 ? input : new StateUpdate(
                [.. unanswered.Select(call => Answer(call, "The call was not run: a new message came instead.", ToolMessageStatus.Error)), .. input.Messages ?? []],
                input.Channels);
            foreach (var e in await PutAsync(request, events, cursor, update, null, [AgentNode], CheckpointSource.Loop, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            foreach (var e in events.Values(cursor.State))
            {
                yield return e;
            }
        }
        else if (cursor.Next.Count == 0)
        {
            // Nothing pending: the run has nothing to do but report the state.
            foreach (var e in events.Values(cursor.State))
            {
                yield return e;
            }
        }

        var resuming = request.Input is null;
        var resumed = false;
        var stepsRun = 0;
        while (cursor.Next.Count > 0)
        {
            var node = cursor.Next[0];
            if (!resuming && (Matches(request.InterruptBefore, node) || Matches(_definition.InterruptBefore, node)))
            {
                setOutcome(new RunOutcome(RunStatus.Interrupted, null, cursor.CheckpointId));
                yield break;
            }

            resuming = false;
            if (++stepsRun > request.Settings.RecursionLimit)
            {
                var message = $"Recursion limit of {request.Settings.RecursionLimit} reached without hitting a stop condition.";
                setOutcome(new RunOutcome(RunStatus.Error, message, cursor.CheckpointId));
                yield return events.Error("GraphRecursionError", message);
                yield break;
            }

            var task = new TaskInfo(Guid.NewGuid().ToString("D"), node, cursor.Step + 1);
            foreach (var e in events.TaskStarted(task, cursor.State))
            {
                yield return e;
            }

            StateUpdate delta;
            IReadOnlyList<string> next;
            if (node == AgentNode && _agent is not null)
            {
                var call = new AgentCall(_agent, cursor.State);
                await foreach (var e in CallAgentAsync(call, events, task, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }

                if (call.Failure is { } failure)
                {
                    error = events.Error(failure.GetType().Name, "The agent failed.");
                    setOutcome(new RunOutcome(RunStatus.Error, $"The agent failed: {failure.Message}", cursor.CheckpointId));
                    yield return error;
                    yield break;
                }

                // The agent ran its own tools: its reply, tool calls and results alike, is the node's update, and the run ends.
                delta = new StateUpdate(call.Replies);
                next = [];
            }
            else if (node == AgentNode)
            {
                var model = new ModelCall(new TracingChatClient(_models.Resolve(request.Settings.Model ?? _definition.Model)), request, cursor.State, enabledTools);
                await foreach (var e in CallModelAsync(model, events, task, cancellationToken).ConfigureAwait(false))
                {
                    yield return e;
                }

                if (model.Failure is { } failure)
                {
                    error = events.Error(failure.GetType().Name, "The model call failed.");
                    setOutcome(new RunOutcome(RunStatus.Error, $"The model call failed: {failure.Message}", cursor.CheckpointId));
                    yield return error;
                    yield break;
                }

                delta = StateUpdate.FromMessages(model.Reply!);
                next = NextAfter(AgentNode, cursor.State.Apply(delta));
            }
            else if (node == ToolsNode)
            {
                var calls = PendingCalls(cursor.State);
                var waiting = calls.Where(c => NeedsApproval(c, enabledTools)).ToList();
                IReadOnlyDictionary<string, ApprovalDecision>? decisions = null;
                string? refused = null;
                if (waiting.Count > 0 && request.Resume is { } resume && !resumed)
                {
                    resumed = true;
                    try
                    {
                        decisions = ToolApprovals.ParseResume(resume, [.. waiting.Select(ToolApprovals.InterruptId)]);
                    }
                    catch (RunOptionsException e)
                    {
                        refused = $"{e.Path} {e.Reason}";
                    }
                }

                if (refused is not null)
                {
                    // The pending calls changed since the run was accepted: nothing is called, and the interrupts stay.
                    setOutcome(new RunOutcome(RunStatus.Error, refused, cursor.CheckpointId));
                    yield return events.Error("InvalidResume", refused);
                    yield break;
                }

                var approvals = decisions ?? new Dictionary<string, ApprovalDecision>();
                var toCall = new List<ToolCall>();
                var answered = new Dictionary<string, ToolMessage>(StringComparer.Ordinal);
                var edited = new Dictionary<string, ToolCall>(StringComparer.Ordinal);
                var ended = false;
                foreach (var call in calls)
                {
                    if (!waiting.Contains(call))
                    {
                        toCall.Add(call);
                    }
                    else if (approvals.GetValueOrDefault(ToolApprovals.InterruptId(call)) is { } decision)
                    {
                        switch (decision.Type)
                        {
                            case ApprovalDecision.Accept:
                                toCall.Add(call);
                                break;
                            case ApprovalDecision.Edit:
                                var changed = call with { Args = decision.Args!.Value };
                                toCall.Add(changed);
                                edited[ToolApprovals.InterruptId(call)] = changed;
                                break;
                            case ApprovalDecision.Response:
                                answered[ToolApprovals.InterruptId(call)] = Answer(call, decision.Args!.Value.GetString() ?? string.Empty, ToolMessageStatus.Success);
                                break;
                            default:
                                answered[ToolApprovals.InterruptId(call)] = Answer(call, "The person chose not to run this call.", ToolMessageStatus.Error);
                                ended = true;
                                break;
                        }
                    }
                }

                var results = new Dictionary<ToolCall, ToolMessage>();
                await foreach (var (e, message, call) in CallToolsAsync(toCall, enabledTools, events, task, cancellationToken).ConfigureAwait(false))
                {
                    if (message is not null)
                    {
                        results[calls.First(c => ToolApprovals.InterruptId(c) == ToolApprovals.InterruptId(call!))] = message;
                    }

                    if (e is not null)
                    {
                        yield return e;
                    }
                }

                foreach (var message in answered.Values)
                {
                    foreach (var e in events.MessageComplete(message, task))
                    {
                        yield return e;
                    }
                }

                var ordered = calls
                    .Select(c => results.GetValueOrDefault(c) ?? answered.GetValueOrDefault(ToolApprovals.InterruptId(c)))
                    .OfType<ToolMessage>()
                    .ToList();
                // An edited call shows as it ran: the AI message is replaced (same id) with the edited arguments.
                List<Message> written = [.. WithEditedCalls(cursor.State, edited), .. ordered];
                delta = written.Count == 0 ? StateUpdate.Empty : new StateUpdate(written);
                if (decisions is null && waiting.Count > 0)
                {
                    // Calls that need a person: the others' results are kept, and the run stops until it is resumed.
                    var interrupts = ToolApprovals.Interrupts(waiting);
                    var pendingWrites = WireJson.Build(w =>
                    {
                        w.WriteStartObject();
                        w.WritePropertyName(node);
                        delta.WriteTo(w);
                        w.WriteEndObject();
                    });
                    foreach (var e in await PutAsync(request, events, cursor, delta, ordered.Count == 0 ? null : pendingWrites, [ToolsNode], CheckpointSource.Loop, cancellationToken, interrupts).ConfigureAwait(false))
                    {
                        yield return e;
                    }

                    foreach (var e in events.Values(cursor.State).Concat(events.Interrupt(interrupts)))
                    {
                        yield return e;
                    }

                    setOutcome(new RunOutcome(RunStatus.Interrupted, null, cursor.CheckpointId));
                    yield break;
                }

                next = ended ? [] : NextAfter(ToolsNode, cursor.State);
            }
            else
            {
                var message = $"The graph has no node '{node}'.";
                setOutcome(new RunOutcome(RunStatus.Error, message, cursor.CheckpointId));
                yield return events.Error("InvalidUpdateError", message);
                yield break;
            }

            var writes = WireJson.Build(w =>
            {
                w.WriteStartObject();
                w.WritePropertyName(node);
                delta.WriteTo(w);
                w.WriteEndObject();
            });
            foreach (var e in events.TaskFinished(task, delta))
            {
                yield return e;
            }

            foreach (var e in await PutAsync(request, events, cursor, delta, writes, next, CheckpointSource.Loop, cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }

            foreach (var e in events.Updates(node, delta).Concat(events.Values(cursor.State)))
            {
                yield return e;
            }

            if (next.Count > 0 && (Matches(request.InterruptAfter, node) || Matches(_definition.InterruptAfter, node)))
            {
                setOutcome(new RunOutcome(RunStatus.Interrupted, null, cursor.CheckpointId));
                yield break;
            }
        }

        setOutcome(new RunOutcome(RunStatus.Success, null, cursor.CheckpointId));
    }

    /// <summary>Writes a checkpoint and moves the cursor to it; returns the events that report it.</summary>
    private async Task<IEnumerable<RunEvent>> PutAsync(
        RunRequest request, EventBuilder events, Cursor cursor, StateUpdate delta, JsonElement? writes, IReadOnlyList<string> next, CheckpointSource source, CancellationToken cancellationToken, JsonElement? interrupts = null)
    {
        var step = cursor.Step + 1;
        var metadata = WireJson.Build(w =>
        {
            w.WriteStartObject();
            foreach (var property in request.Metadata.EnumerateObject())
            {
                property.WriteTo(w);
            }

            w.WriteString("source", source == CheckpointSource.Input ? "input" : "loop");
            w.WriteNumber("step", step);
            w.WriteStartObject("parents");
            w.WriteEndObject();
            w.WriteString("run_id", request.RunId);
            w.WriteString("thread_id", request.ThreadId);
            w.WriteString("assistant_id", request.AssistantId);
            w.WriteString("graph_id", request.GraphId);
            w.WriteEndObject();
        });
        var tasks = WireJson.PendingTasks(next, interrupts);

        var put = await _checkpoints.PutAsync(
            new CheckpointWrite
            {
                OwnerId = request.OwnerId,
                ThreadId = request.ThreadId,
                ParentCheckpointId = cursor.CheckpointId,
                Fork = cursor.ForkNext,
                Step = step,
                Source = source,
                Metadata = metadata,
                Writes = writes,
                Delta = delta,
                Next = next,
                Tasks = tasks,
            },
            cancellationToken).ConfigureAwait(false);

        cursor.Advance(put, cursor.State.Apply(delta), next);
        return events.Checkpoint(new Checkpoint
        {
            ThreadId = put.ThreadId,
            CheckpointId = put.CheckpointId,
            ParentCheckpointId = put.ParentCheckpointId,
            Sequence = put.Sequence,
            Step = put.Step,
            Source = put.Source,
            Metadata = metadata,
            Writes = writes,
            Next = next,
            Tasks = tasks,
            CreatedAt = put.CreatedAt,
            Values = cursor.State,
        });
    }

    private static async IAsyncEnumerable<RunEvent> CallModelAsync(ModelCall call, EventBuilder events, TaskInfo task, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var accumulator = new AIMessageChunkAccumulator();
        var messageId = "run-" + Guid.NewGuid().ToString("D");
        var options = new ChatOptions { Tools = [.. call.Tools], ModelId = null };
        var history = new List<ChatMessage>();
        if (call.Request.Settings.SystemPrompt is { } prompt)
        {
            history.Add(new ChatMessage(ChatRole.System, prompt));
        }

        history.AddRange(call.State.Messages.ToChatMessages());
        IAsyncEnumerator<ChatResponseUpdate>? stream = null;
        try
        {
            stream = call.Client.GetStreamingResponseAsync(history, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var first = true;
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    if (!await stream.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = stream.Current;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    call.Failure = e;
                    yield break;
                }

                var chunk = accumulator.Add(update, messageId);
                foreach (var e in events.MessageChunk(chunk, accumulator, task, first))
                {
                    yield return e;
                }

                first = false;
            }
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }

        call.Reply = accumulator.Count == 0 ? new AIMessage { Content = string.Empty, Id = messageId } : accumulator.ToMessage();
        foreach (var e in events.MessageComplete(call.Reply, task))
        {
            yield return e;
        }
    }

    private static async IAsyncEnumerable<(RunEvent? Event, ToolMessage? Message, ToolCall? Call)> CallToolsAsync(
        List<ToolCall> calls, IReadOnlyList<AIFunction> enabled, EventBuilder events, TaskInfo task, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Every call runs at once; each result is reported as it arrives, and the state gets them in call order.
        var running = calls.Select((call, index) => (Index: index, Task: CallToolAsync(call, enabled, cancellationToken))).ToList();
        var finished = new ToolMessage?[calls.Count];
        var pending = running.ToDictionary(r => (Task)r.Task, r => r.Index);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending.Keys).ConfigureAwait(false);
            var index = pending[done];
            pending.Remove(done);
            var message = await ((Task<ToolMessage>)done).ConfigureAwait(false);
            finished[index] = message;
            foreach (var e in events.MessageComplete(message, task))
            {
                yield return (e, null, null);
            }
        }

        for (var i = 0; i < finished.Length; i++)
        {
            yield return (null, finished[i], calls[i]);
        }
    }

    /// <summary>The graph's tools: its registered ones (all, when it names none) and then its sources', each name once.</summary>
    private async Task<List<AIFunction>> OfferedToolsAsync(CancellationToken cancellationToken)
    {
        var offered = new List<AIFunction>();
        if (_agent is not null)
        {
            return offered;
        }

        if (_definition.Tools is { } names)
        {
            offered.AddRange(names.Select(n => _tools.TryGet(n, out var t) ? t : null).OfType<AIFunction>());
        }
        else
        {
            offered.AddRange(_tools.Resolve(null));
        }

        foreach (var source in _toolSources)
        {
            IReadOnlyList<AIFunction> listed;
            try
            {
                listed = await source.GetToolsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A source that cannot list its tools now adds none: the run goes on with the others.
                continue;
            }

            offered.AddRange(listed);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. offered.Where(t => seen.Add(t.Name))];
    }

    /// <summary>The tools a run may call: the graph's, narrowed to <paramref name="names"/> (in that order) when given.</summary>
    private async Task<IReadOnlyList<AIFunction>> EnabledToolsAsync(IReadOnlyList<string>? names, CancellationToken cancellationToken)
    {
        var offered = await OfferedToolsAsync(cancellationToken).ConfigureAwait(false);
        if (names is null)
        {
            return offered;
        }

        var byName = offered.ToDictionary(t => t.Name, StringComparer.Ordinal);
        return [.. names.Select(n => byName.GetValueOrDefault(n)).OfType<AIFunction>()];
    }

    private static async Task<ToolMessage> CallToolAsync(ToolCall call, IReadOnlyList<AIFunction> enabled, CancellationToken cancellationToken)
    {
        using var span = ToolTelemetry.Start(call.Name, call.Id);
        var tool = enabled.FirstOrDefault(t => t.Name == call.Name);
        var result = tool is not null
            ? await ToolRegistry.InvokeAsync(tool, call.Args.GetRawText(), cancellationToken).ConfigureAwait(false)
            : ToolResult.Error($"Tool '{call.Name}' is not enabled for this assistant. Enabled: {(enabled.Count == 0 ? "none" : string.Join(", ", enabled.Select(t => t.Name)))}.");
        ToolTelemetry.End(span, result.IsError);
        return new ToolMessage
        {
            Content = result.IsError ? $"Error: {result.Content}\n Please fix your mistakes." : result.Content,
            ToolCallId = call.Id ?? string.Empty,
            Name = call.Name,
            Id = Guid.NewGuid().ToString("D"),
            Status = result.IsError ? ToolMessageStatus.Error : ToolMessageStatus.Success,
        };
    }

    /// <summary>Runs an Agent Framework agent: its text streams as message chunks, each of its messages and tool results completes as it ends.</summary>
    private static async IAsyncEnumerable<RunEvent> CallAgentAsync(AgentCall call, EventBuilder events, TaskInfo task, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var history = call.State.Messages.ToChatMessages();
        var toolNames = new Dictionary<string, string>(StringComparer.Ordinal);
        AIMessageChunkAccumulator? accumulator = null;
        string? messageId = null;
        string? agentMessageId = null;
        var first = true;

        List<RunEvent> Finish()
        {
            if (accumulator is not { Count: > 0 })
            {
                accumulator = null;
                return [];
            }

            var message = accumulator.ToMessage();
            accumulator = null;
            call.Replies.Add(message);
            return [.. events.MessageComplete(message, task)];
        }

        IAsyncEnumerator<AgentResponseUpdate>? stream = null;
        try
        {
            stream = call.Agent.RunStreamingAsync(history, session: null, options: null, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                AgentResponseUpdate update;
                try
                {
                    if (!await stream.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = stream.Current;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    call.Failure = e;
                    yield break;
                }

                var results = update.Contents.OfType<FunctionResultContent>().ToList();
                var contents = update.Contents.Where(c => c is not FunctionResultContent).ToList();
                if (contents.Count > 0 && update.Role != ChatRole.Tool)
                {
                    if (accumulator is not null && update.MessageId is { } id && agentMessageId is not null && id != agentMessageId)
                    {
                        foreach (var e in Finish())
                        {
                            yield return e;
                        }
                    }

                    if (accumulator is null)
                    {
                        accumulator = new AIMessageChunkAccumulator();
                        messageId = "run-" + Guid.NewGuid().ToString("D");
                        first = true;
                    }

                    agentMessageId = update.MessageId ?? agentMessageId;
                    foreach (var functionCall in contents.OfType<FunctionCallContent>())
                    {
                        toolNames[functionCall.CallId] = functionCall.Name;
                    }

                    var chunk = accumulator.Add(new ChatResponseUpdate(ChatRole.Assistant, contents) { MessageId = update.MessageId, ResponseId = update.ResponseId, FinishReason = update.FinishReason }, messageId);
                    foreach (var e in events.MessageChunk(chunk, accumulator, task, first))
                    {
                        yield return e;
                    }

                    first = false;
                }

                if (results.Count > 0)
                {
                    foreach (var e in Finish())
                    {
                        yield return e;
                    }

                    foreach (var result in results)
                    {
                        var message = new ToolMessage
                        {
                            Content = result.Exception is { } failure ? $"Error: {failure.Message}" : ToolRegistry.ResultText(result.Result),
                            ToolCallId = result.CallId,
                            Name = toolNames.GetValueOrDefault(result.CallId),
                            Id = Guid.NewGuid().ToString("D"),
                            Status = result.Exception is null ? ToolMessageStatus.Success : ToolMessageStatus.Error,
                        };
                        call.Replies.Add(message);
                        foreach (var e in events.MessageComplete(message, task))
                        {
                            yield return e;
                        }
                    }
                }
            }
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var e in Finish())
        {
            yield return e;
        }

        if (call.Replies.Count == 0)
        {
            var empty = new AIMessage { Content = string.Empty, Id = messageId ?? "run-" + Guid.NewGuid().ToString("D") };
            call.Replies.Add(empty);
            foreach (var e in events.MessageComplete(empty, task))
            {
                yield return e;
            }
        }
    }

    /// <summary>The tool calls of the last AI message that have no result yet (all of them, unless a run stopped for approval after running some).</summary>
    private static List<ToolCall> PendingCalls(AgentState state)
    {
        var last = -1;
        for (var i = state.Messages.Count - 1; i >= 0; i--)
        {
            if (state.Messages[i] is AIMessage)
            {
                last = i;
                break;
            }
        }

        if (last < 0 || state.Messages[last] is not AIMessage { ToolCalls: { Count: > 0 } calls })
        {
            return [];
        }

        var done = state.Messages.Skip(last + 1).OfType<ToolMessage>().Select(m => m.ToolCallId).ToHashSet(StringComparer.Ordinal);
        return [.. calls.Where(c => c.Id is null || !done.Contains(c.Id))];
    }

    /// <summary>A call waits for a person when the graph names its tool in ApproveTools or the tool is an <see cref="ApprovalRequiredAIFunction"/>.</summary>
    private bool NeedsApproval(ToolCall call, IReadOnlyList<AIFunction> enabled)
        => _definition.ApproveTools.Contains(call.Name, StringComparer.Ordinal)
            || enabled.Any(t => t.Name == call.Name && t.GetService<ApprovalRequiredAIFunction>() is not null);

    /// <summary>The last AI message with the calls a person edited as they were edited; nothing when none was.</summary>
    private static IEnumerable<Message> WithEditedCalls(AgentState state, Dictionary<string, ToolCall> edited)
    {
        if (edited.Count > 0 && state.Messages.LastOrDefault(m => m is AIMessage) is AIMessage ai)
        {
            yield return ai with { ToolCalls = [.. ai.ToolCalls.Select(c => edited.GetValueOrDefault(ToolApprovals.InterruptId(c)) ?? c)] };
        }
    }

    /// <summary>The tool message for a call a person answered in the tool's place (or chose not to run).</summary>
    private static ToolMessage Answer(ToolCall call, string content, ToolMessageStatus status) => new()
    {
        Content = content,
        ToolCallId = call.Id ?? string.Empty,
        Name = call.Name,
        Id = Guid.NewGuid().ToString("D"),
        Status = status,
    };

    private static bool Matches(IReadOnlyList<string> nodes, string node) => nodes.Contains("*") || nodes.Contains(node);

    /// <summary>Where the run stands: its latest checkpoint, state, step and next nodes.</summary>
    private sealed class Cursor(Checkpoint? start, bool forkFromStart)
    {
        public string? CheckpointId { get; private set; } = start?.CheckpointId;

        public AgentState State { get; private set; } = start?.Values ?? AgentState.Empty;

        public int Step { get; private set; } = start?.Step ?? -2;

        public IReadOnlyList<string> Next { get; private set; } = start?.Next ?? [];

        /// <summary>The first write of a run that starts from an older checkpoint branches off it.</summary>
        public bool ForkNext { get; private set; } = forkFromStart;

        public void GoTo(string node) => Next = [node];

        public void Advance(CheckpointSummary written, AgentState state, IReadOnlyList<string> next)
        {
            CheckpointId = written.CheckpointId;
            State = state;
            Step = written.Step;
            Next = next;
            ForkNext = false;
        }
    }

    private sealed class AgentCall(AIAgent agent, AgentState state)
    {
        public AIAgent Agent => agent;

        public AgentState State => state;

        public List<Message> Replies { get; } = [];

        public Exception? Failure { get; set; }
    }

    private sealed class ModelCall(IChatClient client, RunRequest request, AgentState state, IReadOnlyList<AIFunction> tools)
    {
        public IChatClient Client => client;

        public RunRequest Request => request;

        public AgentState State => state;

        public IReadOnlyList<AIFunction> Tools => tools;

        public AIMessage? Reply { get; set; }

        public Exception? Failure { get; set; }
    }
}

/// <summary>One run's events, and how it ended once they have all been read.</summary>
public sealed class RunExecution
{
    private RunOutcome? _outcome;

    /// <summary>The run's events; enumerating them runs the run. Enumerate once.</summary>
    public IAsyncEnumerable<RunEvent> Events { get; internal set; } = AsyncEnumerable.Empty<RunEvent>();

    /// <summary>How the run ended; available once <see cref="Events"/> has been read to its end (or abandoned).</summary>
    public RunOutcome Outcome
    {
        get => _outcome ?? throw new InvalidOperationException("The run has not ended yet.");
        internal set => _outcome = value;
    }

    public bool HasEnded => _outcome is not null;
}

internal sealed record TaskInfo(string Id, string Node, int Step);
