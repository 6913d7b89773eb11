using System.Text.Json.Serialization;

namespace AgentFunctions.Storage.Checkpoints;

[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string))]
internal sealed partial class CheckpointSerializerContext : JsonSerializerContext;
