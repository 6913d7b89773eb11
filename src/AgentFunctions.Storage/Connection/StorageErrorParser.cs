using System.Text.Json;
using System.Xml;
using Azure;
using Azure.Core;

namespace AgentFunctions.Storage;

/// <summary>
/// Reads the service's error code and message from a failed response, so that a
/// <see cref="RequestFailedException"/> carries <see cref="RequestFailedException.ErrorCode"/>.
/// The Table service answers in OData JSON, the Queue service in XML; both also send <c>x-ms-error-code</c>.
/// </summary>
internal sealed class StorageErrorParser : RequestFailedDetailsParser
{
    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        data = null;
        response.Headers.TryGetValue("x-ms-error-code", out var headerCode);
        var (code, message) = ReadBody(response);
        code ??= headerCode;
        error = code is null && message is null ? null : new ResponseError(code, message ?? code);
        return error is not null;
    }

    private static (string? Code, string? Message) ReadBody(Response response)
    {
        if (response.Content is null || response.Content.ToMemory().IsEmpty)
        {
            return (null, null);
        }

        var body = response.Content.ToMemory();
        try
        {
            return body.Span[0] == (byte)'{' ? ReadJson(body) : ReadXml(response.Content.ToStream());
        }
        catch (Exception e) when (e is JsonException or XmlException)
        {
            return (null, null);
        }
    }

    private static (string? Code, string? Message) ReadJson(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        if (!document.RootElement.TryGetProperty("odata.error", out var odataError))
        {
            return (null, null);
        }

        var code = odataError.TryGetProperty("code", out var c) ? c.GetString() : null;
        string? message = null;
        if (odataError.TryGetProperty("message", out var m))
        {
            message = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString()
                : m.ValueKind == JsonValueKind.String ? m.GetString()
                : null;
        }

        return (code, message);
    }

    private static (string? Code, string? Message) ReadXml(Stream body)
    {
        using var reader = XmlReader.Create(body, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        string? code = null, message = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            if (reader.Name == "Code")
            {
                code = reader.ReadElementContentAsString();
            }
            else if (reader.Name == "Message")
            {
                message = reader.ReadElementContentAsString();
            }
        }

        return (code, message);
    }
}
