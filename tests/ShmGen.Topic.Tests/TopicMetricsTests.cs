using System;
using ShmGen.TopicPeer;
using ShmGen.Testing;

namespace ShmGen.Topic.Tests;

/// <summary>The topic's instruments on the ShmGen meter (docs/architecture.md, "Metrics").</summary>
public sealed class TopicMetricsTests
{
    private const string Published = "shmgen.topic.published";
    private const string Missed = "shmgen.topic.missed";

    [Fact]
    public void Publishes_here_are_counted_and_items_a_lapped_subscriber_lost_to_another_process_count_as_missed()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = SmallTickTopic.Create(TestScope.Options(name));
        using var metrics = new MetricRecorder(name);
        using var subscriber = topic.Subscribe();

        for (var i = 0; i < 3; i++)
        {
            topic.Publish(Items.Small(0, i));
        }

        Assert.Equal(3, metrics.Sum(Published));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(i, subscriber.Receive().Sequence);
        }

        Assert.Equal(0, metrics.Sum(Missed));

        // Another process laps the subscriber: 100 items into a ring of 16. Its publishes are counted over there.
        var publisher = scope.Start("publish", $"topic={name}", "small=1", "publisher=1", "count=100");
        publisher.ExpectSuccess(TimeSpan.FromSeconds(60));
        Assert.Equal(3, metrics.Sum(Published));

        Assert.True(subscriber.TryReceive(out var resumed, TimeSpan.FromSeconds(10)));
        Assert.Equal(1, resumed.Publisher);
        Assert.True(subscriber.Missed > 0);
        Assert.Equal(subscriber.Missed, metrics.Sum(Missed));
        Assert.Equal("{item}", metrics.Unit(Missed));
    }
}
