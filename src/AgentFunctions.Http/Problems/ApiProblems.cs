using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Messages;
using AgentFunctions.Core.Runs;
using AgentFunctions.Core.Stores;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Http.Problems;

/// <summary>
/// Turns every failure into RFC 7807 problem details: client mistakes into 400/404/409/413/422 that
/// say what is wrong, storage outages into 503, our own faults into a generic 500 (details only in
/// the log). No stack trace or exception text of ours ever reaches a client.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var problem = ApiProblem.From(exception);
        if (problem.Status >= 500)
        {
            logger.RequestFailed(httpContext.Request.Method, httpContext.Request.Path.Value ?? string.Empty, exception);
        }

        if (httpContext.Response.HasStarted)
        {
            return true; // a streamed response already sent its head; the stream's own error event told the client
        }

        httpContext.Response.StatusCode = problem.Status;
        if (problem.RetryAfterSeconds is { } retryAfter)
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var details = problem.ToProblemDetails();
        if (await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = details }).ConfigureAwait(false))
        {
            return true;
        }

        // The client accepts no JSON (an SSE client sends Accept: text/event-stream): the problem is still sent as problem JSON.
        await httpContext.Response.WriteAsJsonAsync(details, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>A problem to report: status, title, detail, and where in the request body (a JSON path) when that is known.</summary>
public sealed record ApiProblem(int Status, string Title, string? Detail = null, string? Path = null)
{
    /// <summary>How long a client should wait before trying again, in seconds (<c>Retry-After</c>): when storage is away.</summary>
    public const int StorageRetryAfterSeconds = 5;

    /// <summary>The <c>Retry-After</c> header to send, in seconds; null for none.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiProblem NotFound(string what) => new(StatusCodes.Status404NotFound, "Not found", what);

    public static ApiProblem Conflict(string detail) => new(StatusCodes.Status409Conflict, "Conflict", detail);

    public static ApiProblem Unprocessable(string path, string reason) => new(StatusCodes.Status422UnprocessableEntity, "Invalid request", $"{path} {reason}", path);

    public static ApiProblem From(Exception exception) => exception switch
    {
        ApiProblemException e => e.Problem,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new(StatusCodes.Status413PayloadTooLarge, "Request body too large", "The request body is larger than this server accepts."),
        BadHttpRequestException e => new(StatusCodes.Status400BadRequest, "Bad request", e.Message),
        JsonException => new(StatusCodes.Status400BadRequest, "Malformed JSON", "The request body is not valid JSON."),
        InvalidResourceIdException e => new(StatusCodes.Status404NotFound, "Not found", $"No {e.Kind} has that id: ids have 1 to {ResourceIds.MaxLength} letters, digits, '-', '_', '.' or ':'."),
        MessageValidationException e => Unprocessable(e.Path, e.Reason),
        RunOptionsException e => Unprocessable(e.Path, e.Reason),
        AssistantConfigException e => Unprocessable(e.Path, e.Reason),
        CheckpointTooLargeException e => new(StatusCodes.Status413PayloadTooLarge, "Too large", e.Message),
        CheckpointNotFoundException e => new(StatusCodes.Status404NotFound, "Not found", e.Message),
        StoreConflictException e => Conflict(e.Message),
        ValueTooLargeException e => new(StatusCodes.Status413PayloadTooLarge, "Too large", e.Message),
        StorageUnavailableException => new(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", "The storage service cannot be reached; try again shortly.") { RetryAfterSeconds = StorageRetryAfterSeconds },
        Azure.RequestFailedException => new(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", "The storage service did not answer as expected; try again.") { RetryAfterSeconds = StorageRetryAfterSeconds },
        OperationCanceledException => new(499, "Client closed request"),
        _ => new(StatusCodes.Status500InternalServerError, "Internal server error", "The server failed to handle the request; the details are in its log."),
    };

    public ProblemDetails ToProblemDetails()
    {
        var details = new ProblemDetails { Status = Status, Title = Title, Detail = Detail, Type = $"https://httpstatuses.io/{Status}" };
        if (Path is not null)
        {
            details.Extensions["path"] = Path;
        }

        return details;
    }

    /// <summary>The problem as a result an endpoint returns.</summary>
    public IResult ToResult() => TypedResults.Problem(ToProblemDetails());
}

/// <summary>Thrown by handlers to answer with a problem (not-found, conflict, invalid input).</summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException()
        : this(new ApiProblem(StatusCodes.Status400BadRequest, "Bad request"))
    {
    }

    public ApiProblemException(string message)
        : this(new ApiProblem(StatusCodes.Status400BadRequest, "Bad request", message))
    {
    }

    public ApiProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problem = new ApiProblem(StatusCodes.Status400BadRequest, "Bad request", message);
    }

    public ApiProblemException(ApiProblem problem)
        : base(problem?.Detail ?? problem?.Title)
    {
        Problem = problem ?? throw new ArgumentNullException(nameof(problem));
    }

    public ApiProblem Problem { get; }
}
