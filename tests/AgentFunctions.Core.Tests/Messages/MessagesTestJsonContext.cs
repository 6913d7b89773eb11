using System.Text.Json.Serialization;
using AgentFunctions.Core.Messages;

namespace AgentFunctions.Core.Tests.Messages;

/// <summary>A source-generated context, as the HTTP layer will use for its DTOs.</summary>
[JsonSerializable(typeof(Message))]
[JsonSerializable(typeof(List<Message>))]
internal sealed partial class MessagesTestJsonContext : JsonSerializerContext;
