using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;

namespace AgentFunctions.Storage.Tables;

/// <summary>What one action of an entity-group transaction does.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; fails when the entity exists.</summary>
    Add,

    /// <summary>Delete, with the action's ETag (default: any); fails when the entity does not exist.</summary>
    Delete,

    /// <summary>Merge into an existing entity, with the action's ETag (default: any).</summary>
    UpdateMerge,

    /// <summary>Replace an existing entity, with the action's ETag (default: any).</summary>
    UpdateReplace,

    /// <summary>Insert or merge.</summary>
    UpsertMerge,

    /// <summary>Insert or replace.</summary>
    UpsertReplace,
}

/// <summary>One action of an entity-group transaction.</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, ITableEntity Entity, ETag ETag = default);

/// <summary>The outcome of one applied action: its status and the entity's new ETag (none for a delete).</summary>
public sealed record TableTransactionResult(int Status, ETag? ETag);

/// <summary>An entity-group transaction that the service refused: nothing of it was applied.</summary>
public sealed class TableTransactionFailedException : RequestFailedException
{
    public TableTransactionFailedException(int status, string message, string? errorCode, int? failedTransactionActionIndex)
        : base(status, message, errorCode, null)
        => FailedTransactionActionIndex = failedTransactionActionIndex;

    /// <summary>The index of the action that failed, when the service said which.</summary>
    public int? FailedTransactionActionIndex { get; }
}

/// <summary>The OData <c>$batch</c> wire format of an entity-group transaction: one change set in a multipart/mixed body.</summary>
internal static class TableTransaction
{
    public static void Validate(IReadOnlyList<TableTransactionAction> actions)
    {
        if (actions.Count is 0 or > TableClient.MaxTransactionActions)
        {
            throw new ArgumentException($"A transaction has 1 to {TableClient.MaxTransactionActions} actions; this one has {actions.Count}.", nameof(actions));
        }

        var partition = actions[0].Entity?.PartitionKey;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in actions)
        {
            ArgumentNullException.ThrowIfNull(action, nameof(actions));
            ArgumentNullException.ThrowIfNull(action.Entity, nameof(actions));
            TableKeys.ValidateKey(action.Entity.PartitionKey, "PartitionKey");
            TableKeys.ValidateKey(action.Entity.RowKey, "RowKey");
            if (!string.Equals(action.Entity.PartitionKey, partition, StringComparison.Ordinal))
            {
                throw new ArgumentException("Every action of a transaction must address the same partition.", nameof(actions));
            }

            if (!rows.Add(action.Entity.RowKey))
            {
                throw new ArgumentException($"A transaction may address each entity once; RowKey '{action.Entity.RowKey}' appears twice.", nameof(actions));
            }
        }
    }

    public static (string ContentType, ReadOnlyMemory<byte> Body) CreateBody(
        IReadOnlyList<TableTransactionAction> actions, Func<TableTransactionAction, Uri> uriOf, Action<Utf8JsonWriter, ITableEntity> writeEntity)
    {
        var batch = "batch_" + Guid.NewGuid().ToString("D");
        var changeset = "changeset_" + Guid.NewGuid().ToString("D");
        var buffer = new ArrayBufferWriter<byte>(1024 * actions.Count);

        Write(buffer, $"--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n");
        foreach (var action in actions)
        {
            var (method, hasBody, ifMatch) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", true, (ETag?)null),
                TableTransactionActionType.Delete => ("DELETE", false, OrAll(action.ETag)),
                TableTransactionActionType.UpdateMerge => ("MERGE", true, OrAll(action.ETag)),
                TableTransactionActionType.UpdateReplace => ("PUT", true, OrAll(action.ETag)),
                TableTransactionActionType.UpsertMerge => ("MERGE", true, null),
                TableTransactionActionType.UpsertReplace => ("PUT", true, null),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Unknown transaction action type."),
            };

            var head = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"--{changeset}\r\n")
                .Append("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n")
                .Append(CultureInfo.InvariantCulture, $"{method} {uriOf(action).AbsoluteUri} HTTP/1.1\r\n")
                .Append("Accept: application/json;odata=minimalmetadata\r\nDataServiceVersion: 3.0\r\n");
            if (method == "POST")
            {
                head.Append("Prefer: return-no-content\r\n");
            }

            if (ifMatch is { } etag)
            {
                head.Append(CultureInfo.InvariantCulture, $"If-Match: {etag}\r\n");
            }

            if (hasBody)
            {
                head.Append("Content-Type: application/json\r\n");
            }

            head.Append("\r\n");
            Write(buffer, head.ToString());
            if (hasBody)
            {
                using (var writer = new Utf8JsonWriter(buffer, TableClient.WriterOptions))
                {
                    writeEntity(writer, action.Entity);
                }

                Write(buffer, "\r\n");
            }
        }

        Write(buffer, $"--{changeset}--\r\n--{batch}--\r\n");
        return ($"multipart/mixed; boundary={batch}", buffer.WrittenMemory);
    }

    public static IReadOnlyList<TableTransactionResult> ReadResults(Response response, int actionCount)
    {
        var parts = ReadParts(response.Content.ToString());
        var failed = parts.FindIndex(p => p.Status >= 400);
        if (failed < 0)
        {
            if (parts.Count != actionCount)
            {
                throw new RequestFailedException(response.Status, $"The transaction's response has {parts.Count} results for {actionCount} actions.");
            }

            return parts.Select(p => new TableTransactionResult(p.Status, p.ETag is null ? null : new ETag(p.ETag))).ToList();
        }

        var part = parts[failed];
        var (code, message) = ReadError(part.Body);
        int? index = null;
        if (message is not null)
        {
            var colon = message.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && int.TryParse(message.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < actionCount)
            {
                index = i;
                message = message[(colon + 1)..];
            }
        }

        index ??= actionCount == 1 ? 0 : parts.Count == actionCount ? failed : null;
        var firstLine = (message ?? "The transaction failed.").Split('\n', 2)[0].Trim();
        var where = index is { } at ? $" at action {at}" : string.Empty;
        throw new TableTransactionFailedException(part.Status, $"The transaction failed{where} and nothing was applied: {firstLine} (status {part.Status}, {code ?? "no error code"})", code, index);
    }

    private static ETag OrAll(ETag etag) => etag.Equals(default(ETag)) ? ETag.All : etag;

    private static void Write(ArrayBufferWriter<byte> buffer, string text) => Encoding.UTF8.GetBytes(text, buffer);

    private static List<(int Status, string? ETag, string Body)> ReadParts(string content)
    {
        var parts = new List<(int, string?, string)>();
        var lines = content.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("HTTP/1.1 ", StringComparison.Ordinal))
            {
                continue;
            }

            var status = int.Parse(lines[i].AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture);
            string? etag = null;
            for (i++; i < lines.Length && lines[i].Length > 0; i++)
            {
                if (lines[i].StartsWith("ETag:", StringComparison.OrdinalIgnoreCase))
                {
                    etag = lines[i][5..].Trim();
                }
            }

            var body = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].StartsWith("--", StringComparison.Ordinal); i++)
            {
                body.Append(lines[i]).Append('\n');
            }

            i--;
            parts.Add((status, etag, body.ToString()));
        }

        return parts;
    }

    private static (string? Code, string? Message) ReadError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.Trim());
            if (document.RootElement.TryGetProperty("odata.error", out var error))
            {
                var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                var message = error.TryGetProperty("message", out var m)
                    ? m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.GetString()
                    : null;
                return (code, message);
            }
        }
        catch (JsonException)
        {
        }

        return (null, null);
    }
}
