using System.Text.Json;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using AgentFunctions.Http.Json;
using AgentFunctions.Http.Problems;

namespace AgentFunctions.Http.Runs;

/// <summary>
/// The body of a request that creates a run (<c>POST /threads/{id}/runs</c>, <c>/runs/stream</c>,
/// <c>/runs/wait</c> and their stateless forms): the run's options (<see cref="RunOptions"/>) and what
/// only the route needs: the assistant, the run's metadata, what to do with a missing thread, and
/// whether a stateless run's thread is kept.
/// </summary>
public sealed record RunCreateRequest
{
    public required string AssistantId { get; init; }

    public required RunOptions Options { get; init; }

    public JsonElement Metadata { get; init; } = JsonObjects.Empty;

    /// <summary><c>if_not_exists: "create"</c>: a missing thread is created instead of being a 404.</summary>
    public bool CreateThread { get; init; }

    /// <summary><c>on_completion: "keep"</c>: a stateless run's thread is kept after the run (deleted by default).</summary>
    public bool KeepThread { get; init; }

    /// <summary>What a client that goes away from the run means: cancel by default, as LangGraph does for streamed runs.</summary>
    public DisconnectAction OnDisconnect => Options.OnDisconnect ?? DisconnectAction.Cancel;

    /// <summary>Reads and checks a body.</summary>
    /// <exception cref="RunOptionsException">A run option is not valid (422, with its path).</exception>
    /// <exception cref="ApiProblemException">Another field is missing or not valid (422, with its path).</exception>
    public static RunCreateRequest Parse(JsonElement body)
    {
        var assistantId = body.OptionalString("assistant_id")
            ?? throw new ApiProblemException(ApiProblem.Unprocessable("$.assistant_id", "is required"));
        var options = RunOptions.Parse(body);
        return new RunCreateRequest
        {
            AssistantId = assistantId,
            Options = options,
            Metadata = body.OptionalObject("metadata")?.Clone() ?? JsonObjects.Empty,
            CreateThread = Choice(body, "if_not_exists", "reject", "create") == "create",
            KeepThread = Choice(body, "on_completion", "delete", "keep") == "keep",
        };
    }

    private static string Choice(JsonElement body, string name, string fallback, string other)
    {
        var value = body.OptionalString(name) ?? fallback;
        return value == fallback || value == other
            ? value
            : throw new ApiProblemException(ApiProblem.Unprocessable("$." + name, $"must be one of {fallback}, {other}"));
    }
}
