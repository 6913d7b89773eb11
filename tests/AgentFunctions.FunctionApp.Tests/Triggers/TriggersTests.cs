using AgentFunctions.Core.Compaction;
using AgentFunctions.FunctionApp.Tests.Metadata;
using AgentFunctions.Storage.Runs;

namespace AgentFunctions.FunctionApp.Tests.Triggers;

/// <summary>The queue and timer functions as the generated metadata declares them: the queues the schedulers write, the sweep's schedule setting.</summary>
public class TriggersTests
{
    [Theory]
    [InlineData("RunQueue", QueueRunScheduler.DefaultQueueName)]
    [InlineData("CompactionQueue", CompactionOptions.DefaultQueueName)]
    [InlineData("WebhookQueue", Core.Webhooks.WebhookMessage.DefaultQueueName)]
    public void QueueTrigger_Metadata_ListensToTheQueueItsSchedulerWrites(string function, string queue)
    {
        var trigger = Assert.Single(FunctionMetadata.All, f => f.Name == function).TriggerOrNull("queueTrigger");

        Assert.NotNull(trigger);
        Assert.Equal(queue, trigger.Value.GetProperty("queueName").GetString());
    }

    [Fact]
    public void QueueTriggers_Metadata_AreTheRunsCompactionAndWebhooksQueuesOnly()
        => Assert.Equal(["CompactionQueue", "RunQueue", "WebhookQueue"], FunctionMetadata.All.Where(f => f.TriggerOrNull("queueTrigger") is not null).Select(f => f.Name).Order(StringComparer.Ordinal));

    [Fact]
    public void TimerTrigger_CronSweep_RunsEveryMinute()
    {
        var trigger = Assert.Single(FunctionMetadata.All, f => f.Name == "CronSweep").TriggerOrNull("timerTrigger");

        Assert.NotNull(trigger);
        Assert.Equal("0 * * * * *", trigger.Value.GetProperty("schedule").GetString());
    }

    [Fact]
    public void TimerTrigger_Metadata_ScheduleIsTheRetentionSweepSetting()
    {
        var trigger = Assert.Single(FunctionMetadata.All, f => f.Name == "RetentionSweep").TriggerOrNull("timerTrigger");

        Assert.NotNull(trigger);
        Assert.Equal("%RETENTION_SWEEP_SCHEDULE%", trigger.Value.GetProperty("schedule").GetString());
    }
}
