namespace AgentFunctions.Hosting.Configuration;

/// <summary>The <c>Model</c> section: which model provider the agent graph calls.</summary>
public sealed class ModelOptions
{
    public const string SectionName = "Model";

    public const string Offline = "offline";

    public const string OpenAI = "openai";

    /// <summary><c>offline</c> (the built-in model, no network) or <c>openai</c> (the <c>OpenAI</c> section).</summary>
    public string Provider { get; set; } = Offline;

    internal bool IsOpenAI => string.Equals(Provider, OpenAI, StringComparison.OrdinalIgnoreCase);
}
