using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentFunctions.OpenAI;

internal static class OpenAIJson
{
    /// <summary>
    /// The AI abstractions' serializer settings, unindented: arguments and tool results go to
    /// the model as compact JSON text.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };
}
