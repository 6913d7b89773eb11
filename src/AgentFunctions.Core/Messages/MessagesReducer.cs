namespace AgentFunctions.Core.Messages;

/// <summary>LangGraph's <c>add_messages</c> reducer for a <c>messages</c> channel.</summary>
public static class MessagesReducer
{
    /// <summary>
    /// Merges <paramref name="update"/> into <paramref name="current"/> and returns a new list; neither
    /// input is changed.
    /// </summary>
    /// <remarks>
    /// Messages without an id get one from <paramref name="newId"/> (a UUID string by default) and
    /// chunks become complete messages (<see cref="AIMessageChunk.Complete"/>). Then, in order: a
    /// message whose id is already in the list replaces it where it stands; a new id is appended; a
    /// <see cref="RemoveMessage"/> deletes the message with its id (which must exist, counting those
    /// added earlier in the same update, else the update is invalid); a remove message with id
    /// <see cref="RemoveMessage.RemoveAll"/> drops everything before it, current messages and earlier
    /// updates alike. A message that is removed and then sent again in the same update is kept, in its
    /// original place.
    /// LangGraph returns the messages after the last remove-all as they are; here they are merged into
    /// the empty list by the same rules, so ids stay unique and no remove message is ever kept.
    /// </remarks>
    /// <exception cref="MessageValidationException">
    /// A remove message names an id that is not in the list; <see cref="MessageValidationException.Path"/>
    /// is <c>$[i]</c>, the index of that message in <paramref name="update"/>.
    /// </exception>
    public static IReadOnlyList<Message> AddMessages(
        IReadOnlyList<Message> current,
        IReadOnlyList<Message> update,
        Func<string>? newId = null)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(update);
        newId ??= MessageJson.NewMessageId;

        var start = 0;
        for (var i = update.Count - 1; i >= 0; i--)
        {
            if (update[i] is RemoveMessage { Id: RemoveMessage.RemoveAll })
            {
                start = i + 1;
                break;
            }
        }

        var removeAllSeen = start > 0;
        var merged = new List<Message>(removeAllSeen ? update.Count - start : current.Count + update.Count);
        var indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!removeAllSeen)
        {
            foreach (var message in current)
            {
                var normalized = Normalize(message, newId);
                indexById[normalized.Id!] = merged.Count;
                merged.Add(normalized);
            }
        }

        var removed = new HashSet<string>(StringComparer.Ordinal);
        for (var i = start; i < update.Count; i++)
        {
            var message = Normalize(update[i], newId);
            var id = message.Id!;
            if (indexById.TryGetValue(id, out var existing))
            {
                if (message is RemoveMessage)
                {
                    removed.Add(id);
                }
                else
                {
                    removed.Remove(id);
                    merged[existing] = message;
                }

                continue;
            }

            if (message is RemoveMessage)
            {
                throw new MessageValidationException(
                    $"$[{i}]",
                    $"Cannot remove message '{id}': no message with that id exists.");
            }

            indexById[id] = merged.Count;
            merged.Add(message);
        }

        if (removed.Count > 0)
        {
            merged.RemoveAll(m => removed.Contains(m.Id!));
        }

        return merged;
    }

    private static Message Normalize(Message message, Func<string> newId)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is AIMessageChunk chunk)
        {
            message = chunk.Complete();
        }

        return message.Id is null ? message with { Id = newId() } : message;
    }
}
