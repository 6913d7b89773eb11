using System.Text.Json;
using AgentFunctions.Core.Assistants;
using AgentFunctions.Core.Graphs;
using AgentFunctions.Http.Problems;

namespace AgentFunctions.Http.Assistants;

/// <summary>
/// Checks a config (an assistant's, or a run's) against its graph: its types, and that <c>configurable.model</c> and
/// <c>configurable.tools</c> pick among the graph's models and tools. A problem is a 422 naming the path and the unknown name.
/// </summary>
internal static class ConfigChoices
{
    /// <exception cref="ApiProblemException">422: a value has the wrong type, or names a model or tool the graph does not have.</exception>
    public static async Task CheckAsync(GraphRegistry graphs, string graphId, JsonElement config, string path, CancellationToken cancellationToken)
    {
        AssistantSettings settings;
        try
        {
            settings = AssistantSettings.From(config);
        }
        catch (AssistantConfigException e)
        {
            throw new ApiProblemException(ApiProblem.Unprocessable(path + e.Path[1..], e.Reason.TrimEnd('.')));
        }

        if ((settings.Model is null && settings.Tools is null) || !graphs.TryGet(graphId, out var graph))
        {
            return;
        }

        var choices = await graph.GetChoicesAsync(cancellationToken).ConfigureAwait(false);
        if (settings.Model is { } model && !choices.Models.Contains(model))
        {
            throw new ApiProblemException(ApiProblem.Unprocessable(
                path + ".configurable.model",
                $"names the unknown model '{model}' (graph '{graphId}' offers: {List(choices.Models)})"));
        }

        foreach (var tool in settings.Tools ?? [])
        {
            if (!choices.Tools.Contains(tool))
            {
                throw new ApiProblemException(ApiProblem.Unprocessable(
                    path + ".configurable.tools",
                    $"names an unknown tool '{tool}' (graph '{graphId}' offers: {List(choices.Tools)})"));
            }
        }
    }

    private static string List(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);
}
