using AgentFunctions.Core.Compaction;
using AgentFunctions.Core.Models;
using AgentFunctions.Core.Runs;
using AgentFunctions.Mcp;
using AgentFunctions.OpenAI;
using AgentFunctions.Storage.Checkpoints;
using AgentFunctions.Storage.RunEvents;
using AgentFunctions.Storage.Stores;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Hosting.Configuration;

/// <summary>
/// The checks that run when a host starts (<c>ValidateOnStart</c>), one validator per section. Every failure names
/// the setting (<c>Section:Name</c>) and says what it must be, so that a bad setting stops the host at start with a
/// message, not the first run with an exception.
/// </summary>
internal static class OptionsValidation
{
    /// <summary>The result for <paramref name="errors"/>: success when there are none.</summary>
    public static ValidateOptionsResult Result(List<string> errors) => errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

    public static void Positive(List<string> errors, string section, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{section}:{name} must be a positive duration (such as 00:00:30), not {value}.");
        }
    }

    public static void AtLeast(List<string> errors, string section, string name, long value, long minimum)
    {
        if (value < minimum)
        {
            errors.Add($"{section}:{name} must be at least {minimum}, not {value}.");
        }
    }

    public static void Between(List<string> errors, string section, string name, long value, long minimum, long maximum)
    {
        if (value < minimum || value > maximum)
        {
            errors.Add($"{section}:{name} must be from {minimum} to {maximum}, not {value}.");
        }
    }

    public static void TableName(List<string> errors, string section, string value)
    {
        // The Table service: 3 to 63 letters and digits, starting with a letter (the prefix is checked with Storage).
        if (value.Length is < 3 or > 63 || !char.IsAsciiLetter(value[0]) || !value.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{section}:TableName '{value}' must be 3 to 63 letters and digits, starting with a letter.");
        }
    }
}

internal sealed class ModelOptionsValidation : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options) =>
        string.Equals(options.Provider, ModelOptions.Offline, StringComparison.OrdinalIgnoreCase) || options.IsOpenAI
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ModelOptions.SectionName}:Provider is '{options.Provider}'; it must be '{ModelOptions.Offline}' or '{ModelOptions.OpenAI}'.");
}

/// <summary>The <c>OpenAI</c> section, checked only when <c>Model:Provider</c> is <c>openai</c>.</summary>
internal sealed class OpenAIOptionsValidation(IOptions<ModelOptions> model) : IValidateOptions<OpenAIModelOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenAIModelOptions options)
    {
        if (!model.Value.IsOpenAI)
        {
            return ValidateOptionsResult.Skip;
        }

        // With UseEntraId the host supplies a credential (DefaultAzureCredential).
        return OptionsValidation.Result(OpenAIChatClientFactory.Validate(options, hasCredential: options.UseEntraId));
    }
}

internal sealed class OfflineModelOptionsValidation : IValidateOptions<OfflineChatClientOptions>
{
    public ValidateOptionsResult Validate(string? name, OfflineChatClientOptions options)
    {
        const string section = OfflineChatClientOptions.SectionName;
        var errors = new List<string>();
        OptionsValidation.AtLeast(errors, section, nameof(options.MaxTokens), options.MaxTokens, 1);
        OptionsValidation.Between(errors, section, nameof(options.DefaultTokens), options.DefaultTokens, 1, Math.Max(1, options.MaxTokens));
        OptionsValidation.AtLeast(errors, section, nameof(options.MaxDelayMilliseconds), options.MaxDelayMilliseconds, 0);
        return OptionsValidation.Result(errors);
    }
}

internal sealed class CheckpointStoreOptionsValidation : IValidateOptions<CheckpointStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, CheckpointStoreOptions options)
    {
        const string section = CheckpointStoreOptions.SectionName;
        var errors = new List<string>();
        OptionsValidation.TableName(errors, section, options.TableName);
        OptionsValidation.AtLeast(errors, section, nameof(options.SnapshotGrowthFactor), options.SnapshotGrowthFactor, 2);
        OptionsValidation.AtLeast(errors, section, nameof(options.MinSnapshotChars), options.MinSnapshotChars, 0);
        OptionsValidation.Between(errors, section, nameof(options.MaxRowsBetweenSnapshots), options.MaxRowsBetweenSnapshots, 1, 1000);
        OptionsValidation.AtLeast(errors, section, nameof(options.MaxStepBytes), options.MaxStepBytes, 1);
        return OptionsValidation.Result(errors);
    }
}

internal sealed class RunEventLogOptionsValidation : IValidateOptions<RunEventLogOptions>
{
    public ValidateOptionsResult Validate(string? name, RunEventLogOptions options)
    {
        const string section = RunEventLogOptions.SectionName;
        var errors = new List<string>();
        OptionsValidation.TableName(errors, section, options.TableName);
        OptionsValidation.Positive(errors, section, nameof(options.FlushInterval), options.FlushInterval);
        if (options.FlushInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{section}:FlushInterval must be at most a minute, not {options.FlushInterval}.");
        }

        OptionsValidation.Between(errors, section, nameof(options.MaxEventsPerSegment), options.MaxEventsPerSegment, 1, RunEventLogOptions.MaxEventsPerSegmentLimit);
        OptionsValidation.Between(errors, section, nameof(options.SegmentChars), options.SegmentChars, 1, RunEventLogOptions.MaxSegmentCharsLimit);
        OptionsValidation.Between(errors, section, nameof(options.MaxEventBytes), options.MaxEventBytes, 1, RunEventLogOptions.MaxEventBytesLimit);
        OptionsValidation.Between(errors, section, nameof(options.ReadRowsPerPage), options.ReadRowsPerPage, 1, 1000);
        OptionsValidation.Positive(errors, section, nameof(options.FollowMinPollInterval), options.FollowMinPollInterval);
        if (options.FollowMaxPollInterval < options.FollowMinPollInterval)
        {
            errors.Add($"{section}:FollowMaxPollInterval ({options.FollowMaxPollInterval}) must be at least {section}:FollowMinPollInterval ({options.FollowMinPollInterval}).");
        }

        return OptionsValidation.Result(errors);
    }
}

internal sealed class RunExecutorOptionsValidation : IValidateOptions<RunExecutorOptions>
{
    public ValidateOptionsResult Validate(string? name, RunExecutorOptions options)
    {
        const string section = RunExecutorOptions.SectionName;
        var errors = new List<string>();
        OptionsValidation.Positive(errors, section, nameof(options.LeaseDuration), options.LeaseDuration);
        OptionsValidation.Positive(errors, section, nameof(options.CancelPollInterval), options.CancelPollInterval);
        OptionsValidation.Positive(errors, section, nameof(options.MaxTurnPollInterval), options.MaxTurnPollInterval);
        OptionsValidation.AtLeast(errors, section, nameof(options.LiveEventBufferBytes), options.LiveEventBufferBytes, 1);
        return OptionsValidation.Result(errors);
    }
}

internal sealed class CompactionOptionsValidation : IValidateOptions<CompactionOptions>
{
    public ValidateOptionsResult Validate(string? name, CompactionOptions options)
    {
        try
        {
            // The policy's own checks (threshold, durations, the policy's name and its values).
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.ParamName is null ? e.Message : $"{CompactionOptions.SectionName}:{e.ParamName}: {e.Message}");
        }
    }
}

internal sealed class StorageOptionsValidation : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        const string section = StorageOptions.SectionName;
        var errors = new List<string>();
        if (!StorageNames.IsValidPrefix(options.Prefix ?? string.Empty))
        {
            errors.Add($"{section}:Prefix '{options.Prefix}' must be letters and digits, starting with a letter.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            if (string.IsNullOrWhiteSpace(options.TableEndpoint) || string.IsNullOrWhiteSpace(options.QueueEndpoint))
            {
                errors.Add(
                    $"No storage is configured: set {section}:ConnectionString (or AGENTFUNCTIONS_STORAGE_CONNECTION_STRING, or AzureWebJobsStorage), " +
                    $"or {section}:TableEndpoint and {section}:QueueEndpoint for a managed identity.");
            }
            else
            {
                foreach (var (setting, value) in new[] { ("TableEndpoint", options.TableEndpoint), ("QueueEndpoint", options.QueueEndpoint) })
                {
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                    {
                        errors.Add($"{section}:{setting} '{value}' must be an absolute http or https address, such as https://<account>.table.core.windows.net.");
                    }
                }
            }
        }

        return OptionsValidation.Result(errors);
    }
}

/// <summary>The <c>McpServers:NAME</c> sections, one named options instance per declared server.</summary>
internal sealed class McpToolServerOptionsValidation : IValidateOptions<McpToolServerOptions>
{
    public ValidateOptionsResult Validate(string? name, McpToolServerOptions options) =>
        string.IsNullOrEmpty(name) ? ValidateOptionsResult.Skip : OptionsValidation.Result([.. McpToolServerOptions.Validate(name, options)]);
}

internal sealed class WebhookOptionsValidation : IValidateOptions<Core.Webhooks.WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, Core.Webhooks.WebhookOptions options)
        => OptionsValidation.Result([.. options.Problems()]);
}

internal sealed class CronOptionsValidation : IValidateOptions<Core.Crons.CronOptions>
{
    public ValidateOptionsResult Validate(string? name, Core.Crons.CronOptions options)
    {
        var errors = new List<string>();
        OptionsValidation.Positive(errors, Core.Crons.CronOptions.SectionName, nameof(options.SweepInterval), options.SweepInterval);
        OptionsValidation.Positive(errors, Core.Crons.CronOptions.SectionName, nameof(options.ThreadGrace), options.ThreadGrace);
        return OptionsValidation.Result(errors);
    }
}
