using System.Text.Json;
using AgentFunctions.Core.Checkpoints;
using AgentFunctions.Core.Paging;
using AgentFunctions.Core.State;
using AgentFunctions.Core.Stores;
using Azure;

namespace AgentFunctions.Core.Tests.Runtime;

/// <summary>A checkpoint store in memory, for unit tests of the run loop's logic (the real one is tested against Azurite).</summary>
internal sealed class InMemoryCheckpointStore : ICheckpointStore
{
    private readonly Dictionary<(string, string), List<Checkpoint>> _threads = [];

    public Func<CheckpointWrite, Exception?>? FailPut { get; set; }

    public IReadOnlyList<Checkpoint> All(string owner, string thread) => _threads.TryGetValue((owner, thread), out var list) ? list : [];

    public Task<CheckpointSummary> PutAsync(CheckpointWrite write, CancellationToken cancellationToken = default)
    {
        if (FailPut?.Invoke(write) is { } failure)
        {
            throw failure;
        }

        var list = _threads.TryGetValue((write.OwnerId, write.ThreadId), out var existing) ? existing : _threads[(write.OwnerId, write.ThreadId)] = [];
        var parent = list.FirstOrDefault(c => c.CheckpointId == write.ParentCheckpointId);
        if (write.ParentCheckpointId is not null && parent is null)
        {
            throw new CheckpointNotFoundException("no parent");
        }

        if (!write.Fork && list.Count > 0 && list[^1].CheckpointId != write.ParentCheckpointId)
        {
            throw new StoreConflictException("not the latest");
        }

        var sequence = list.Count + 1;
        var checkpoint = new Checkpoint
        {
            ThreadId = write.ThreadId,
            CheckpointId = CheckpointIds.Create(sequence, DateTimeOffset.UtcNow),
            ParentCheckpointId = write.ParentCheckpointId,
            Sequence = sequence,
            Step = write.Step,
            Source = write.Source,
            Metadata = write.Metadata,
            Writes = write.Writes,
            Next = write.Next,
            Tasks = write.Tasks,
            CreatedAt = DateTimeOffset.UtcNow,
            Values = (parent?.Values ?? AgentState.Empty).Apply(write.Delta),
        };
        list.Add(checkpoint);
        return Task.FromResult<CheckpointSummary>(checkpoint);
    }

    public Task<Checkpoint?> GetLatestAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
        => Task.FromResult(All(ownerId, threadId) is { Count: > 0 } list ? list[^1] : null);

    public Task<Checkpoint?> GetAsync(string ownerId, string threadId, string checkpointId, CancellationToken cancellationToken = default)
        => Task.FromResult(All(ownerId, threadId).FirstOrDefault(c => c.CheckpointId == checkpointId));

    public AsyncPageable<Checkpoint> GetCheckpointsAsync(string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
        => AsyncPageables.Create<Checkpoint>((_, _, _) => Task.FromResult(Page<Checkpoint>.FromValues(All(ownerId, threadId).Reverse().ToList(), null, null!)), cancellationToken);

    public AsyncPageable<CheckpointSummary> GetCheckpointSummariesAsync(string ownerId, string threadId, string? before = null, JsonElement? metadataFilter = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
        => GetCheckpointsAsync(ownerId, threadId, before, metadataFilter, pageSizeHint, cancellationToken).Select(c => (CheckpointSummary)c);

    public Task<int> DeleteAfterAsync(string ownerId, string threadId, string? checkpointId, CancellationToken cancellationToken = default)
    {
        var list = _threads.TryGetValue((ownerId, threadId), out var existing) ? existing : [];
        var keep = checkpointId is null ? 0 : list.FindIndex(c => c.CheckpointId == checkpointId) + 1;
        var removed = list.Count - keep;
        list.RemoveRange(keep, removed);
        return Task.FromResult(removed);
    }

    public Task DeleteThreadAsync(string ownerId, string threadId, CancellationToken cancellationToken = default)
    {
        _threads.Remove((ownerId, threadId));
        return Task.CompletedTask;
    }

    public Task<long> CopyThreadAsync(string ownerId, string threadId, string targetThreadId, CancellationToken cancellationToken = default)
    {
        var list = All(ownerId, threadId);
        _threads[(ownerId, targetThreadId)] = list.Select(c => c with { ThreadId = targetThreadId }).ToList();
        return Task.FromResult((long)list.Count);
    }
}
