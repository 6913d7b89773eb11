using System.Diagnostics;

namespace AgentFunctions.Core.Telemetry;

/// <summary>The span of one tool call: <c>execute_tool {name}</c>, with the gen_ai tool attributes.</summary>
internal static class ToolTelemetry
{
    public static Activity? Start(string toolName, string? callId)
    {
        if (!AgentTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = AgentTelemetry.Source.StartActivity("execute_tool " + toolName, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TelemetryAttributes.GenAIOperationName, "execute_tool");
            activity.SetTag(TelemetryAttributes.GenAIToolName, toolName);
            activity.SetTag(TelemetryAttributes.GenAIToolType, "function");
            activity.SetTag(TelemetryAttributes.GenAIToolCallId, callId);
        }

        return activity;
    }

    /// <summary>Ends the span: a tool that answered with an error (an unknown tool, bad arguments) is marked as one.</summary>
    public static void End(Activity? activity, bool isError)
    {
        if (activity is null)
        {
            return;
        }

        if (isError)
        {
            activity.SetTag(TelemetryAttributes.ErrorType, "tool_error");
            activity.SetStatus(ActivityStatusCode.Error, "The tool answered with an error.");
        }

        activity.Stop();
    }
}
