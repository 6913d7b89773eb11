using AgentFunctions.Core.Runs;

namespace AgentFunctions.Storage.Runs;

/// <summary>How run statuses, multitask strategies and cancel actions are stored: LangGraph's wire names.</summary>
internal static class RunNames
{
    public static string Of(RunStatus status) => status switch
    {
        RunStatus.Pending => "pending",
        RunStatus.Running => "running",
        RunStatus.Success => "success",
        RunStatus.Error => "error",
        RunStatus.Timeout => "timeout",
        RunStatus.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a run status."),
    };

    public static string Of(MultitaskStrategy strategy) => strategy switch
    {
        MultitaskStrategy.Reject => "reject",
        MultitaskStrategy.Enqueue => "enqueue",
        MultitaskStrategy.Interrupt => "interrupt",
        MultitaskStrategy.Rollback => "rollback",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, "Not a multitask strategy."),
    };

    public static string Of(CancelAction action) => action switch
    {
        CancelAction.Interrupt => "interrupt",
        CancelAction.Rollback => "rollback",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Not a cancel action."),
    };

    /// <exception cref="FormatException">The name is not a run status.</exception>
    public static RunStatus ParseStatus(string? name) => name switch
    {
        "pending" => RunStatus.Pending,
        "running" => RunStatus.Running,
        "success" => RunStatus.Success,
        "error" => RunStatus.Error,
        "timeout" => RunStatus.Timeout,
        "interrupted" => RunStatus.Interrupted,
        _ => throw new FormatException($"'{name}' is not a run status."),
    };

    /// <exception cref="FormatException">The name is not a multitask strategy.</exception>
    public static MultitaskStrategy ParseStrategy(string? name) => name switch
    {
        "reject" => MultitaskStrategy.Reject,
        "enqueue" => MultitaskStrategy.Enqueue,
        "interrupt" => MultitaskStrategy.Interrupt,
        "rollback" => MultitaskStrategy.Rollback,
        _ => throw new FormatException($"'{name}' is not a multitask strategy."),
    };

    /// <exception cref="FormatException">The name is not a cancel action.</exception>
    public static CancelAction? ParseCancelAction(string? name) => name switch
    {
        null => null,
        "interrupt" => CancelAction.Interrupt,
        "rollback" => CancelAction.Rollback,
        _ => throw new FormatException($"'{name}' is not a cancel action."),
    };
}
