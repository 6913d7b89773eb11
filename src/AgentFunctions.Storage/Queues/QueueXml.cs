using System.Globalization;
using System.Text;
using System.Xml;
using Azure;
using Azure.Core;

namespace AgentFunctions.Storage.Queues;

/// <summary>The Queue service's XML: the message request body, and the message lists it answers with.</summary>
internal static class QueueXml
{
    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
    };

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = false,
    };

    /// <summary>The body of Put Message and Update Message: <c>&lt;QueueMessage&gt;&lt;MessageText&gt;…&lt;/MessageText&gt;&lt;/QueueMessage&gt;</c>.</summary>
    public static RequestContent MessageBody(string messageText)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, WriterSettings))
        {
            writer.WriteStartElement("QueueMessage");
            writer.WriteElementString("MessageText", messageText);
            writer.WriteEndElement();
        }

        return RequestContent.Create(buffer.ToArray());
    }

    /// <summary>Reads the <c>QueueMessage</c> elements of a <c>QueueMessagesList</c>, each as a field-name to text map.</summary>
    public static List<Dictionary<string, string>> ReadMessageList(Response response)
    {
        var messages = new List<Dictionary<string, string>>();
        if (response.ContentStream is not { } stream)
        {
            return messages;
        }

        using var reader = XmlReader.Create(stream, ReaderSettings);
        try
        {
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "QueueMessagesList")
            {
                throw Unexpected(response, $"a QueueMessagesList, not <{reader.LocalName}>");
            }

            if (reader.IsEmptyElement)
            {
                return messages;
            }

            reader.ReadStartElement();
            while (reader.NodeType == XmlNodeType.Element)
            {
                if (reader.LocalName != "QueueMessage" || reader.IsEmptyElement)
                {
                    reader.Skip();
                    continue;
                }

                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                reader.ReadStartElement();
                while (reader.NodeType == XmlNodeType.Element)
                {
                    var name = reader.LocalName;
                    fields[name] = reader.ReadElementContentAsString();
                }

                reader.ReadEndElement();
                messages.Add(fields);
            }
        }
        catch (XmlException e)
        {
            throw new RequestFailedException(response.Status, "The Queue service's response is not the XML expected.", e);
        }

        return messages;
    }

    public static string Required(Dictionary<string, string> fields, string name, Response response)
        => fields.TryGetValue(name, out var value) ? value : throw Unexpected(response, $"a <{name}> in every message");

    public static DateTimeOffset RequiredTime(Dictionary<string, string> fields, string name, Response response)
        => ParseTime(Required(fields, name, response)) ?? throw Unexpected(response, $"an RFC 1123 time in <{name}>");

    public static long RequiredLong(Dictionary<string, string> fields, string name, Response response)
        => long.TryParse(Required(fields, name, response), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Unexpected(response, $"a number in <{name}>");

    /// <summary>Parses the service's times, which are RFC 1123 (<c>Fri, 31 Dec 9999 23:59:59 GMT</c>).</summary>
    public static DateTimeOffset? ParseTime(string? value)
        => DateTimeOffset.TryParseExact(value, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;

    /// <summary>Decodes a message text from Base64; text that is not Base64 is returned as its UTF-8 bytes.</summary>
    public static BinaryData DecodeBody(string messageText)
    {
        var buffer = new byte[messageText.Length / 4 * 3 + 3];
        return Convert.TryFromBase64String(messageText, buffer, out var written)
            ? new BinaryData(buffer.AsMemory(0, written))
            : BinaryData.FromString(messageText);
    }

    public static RequestFailedException Unexpected(Response response, string expected)
        => new(response.Status, $"The Queue service's response lacks {expected}.");
}
