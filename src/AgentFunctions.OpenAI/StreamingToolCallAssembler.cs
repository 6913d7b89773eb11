using System.Text;
using Microsoft.Extensions.AI;
using OpenAI.Chat;

namespace AgentFunctions.OpenAI;

/// <summary>
/// Puts streamed tool calls back together. Each call arrives in fragments keyed by its index in
/// the choice: the first carries the call's id and function name, later ones pieces of the
/// arguments' JSON text. Several calls may stream in parallel, interleaved by index.
/// </summary>
internal sealed class StreamingToolCallAssembler
{
    private readonly SortedDictionary<int, PendingCall> _pending = [];

    public bool HasPending => _pending.Count > 0;

    public void Add(StreamingChatToolCallUpdate fragment)
    {
        if (!_pending.TryGetValue(fragment.Index, out var call))
        {
            call = new PendingCall();
            _pending.Add(fragment.Index, call);
        }

        // Servers send the id and name once; a repeat of either is ignored rather than appended.
        if (string.IsNullOrEmpty(call.Id) && !string.IsNullOrEmpty(fragment.ToolCallId))
        {
            call.Id = fragment.ToolCallId;
        }

        if (string.IsNullOrEmpty(call.Name) && !string.IsNullOrEmpty(fragment.FunctionName))
        {
            call.Name = fragment.FunctionName;
        }

        if (fragment.FunctionArgumentsUpdate is { } arguments && !arguments.IsEmpty)
        {
            call.Arguments.Append(arguments.ToString());
        }
    }

    /// <summary>The calls assembled so far, in index order; the assembler is empty afterwards.</summary>
    public List<FunctionCallContent> Complete()
    {
        var calls = _pending
            .Select(entry => FunctionArguments.ToFunctionCall(
                entry.Value.Id ?? $"call_{entry.Key}",
                entry.Value.Name ?? string.Empty,
                entry.Value.Arguments.ToString()))
            .ToList();
        _pending.Clear();
        return calls;
    }

    private sealed class PendingCall
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public StringBuilder Arguments { get; } = new();
    }
}
