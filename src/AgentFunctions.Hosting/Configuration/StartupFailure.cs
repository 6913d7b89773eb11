using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting.Configuration;

/// <summary>
/// What a host prints when it cannot start because of its configuration: each bad setting by name and why, without a
/// stack trace (the setting is the user's to fix, not a fault of the code).
/// </summary>
public static class StartupFailure
{
    /// <summary>
    /// Runs every check that <c>ValidateOnStart</c> registered, now, before the host starts: a bad setting then
    /// throws here (for <see cref="Describe"/>) instead of inside the host's start, which would log it with its stack
    /// trace, and before anything else has resolved the options.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is invalid (several: an <see cref="AggregateException"/>).</exception>
    public static void ValidateSettings(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        (services.GetService(typeof(IStartupValidator)) as IStartupValidator)?.Validate();
    }

    /// <summary>
    /// The message for <paramref name="exception"/> when it is a configuration failure: a failed validation
    /// (<see cref="OptionsValidationException"/>, several of them in an <see cref="AggregateException"/>) or a value
    /// the configuration binder could not convert; null for any other exception, which is a fault to report as such.
    /// </summary>
    public static string? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reasons = Reasons(exception);
        return reasons is null ? null : "AgentFunctions cannot start: the configuration is invalid." + string.Concat(reasons.Distinct().Select(r => Environment.NewLine + "  " + r));
    }

    private static List<string>? Reasons(Exception exception)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                return [.. validation.Failures];
            case AggregateException aggregate:
                var all = new List<string>();
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (Reasons(inner) is not { } reasons)
                    {
                        return null;
                    }

                    all.AddRange(reasons);
                }

                return all.Count > 0 ? all : null;
            case InvalidOperationException when exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                // The binder's own message names the setting, its value and the type it needs.
                return [exception.Message];
            default:
                return null;
        }
    }
}
