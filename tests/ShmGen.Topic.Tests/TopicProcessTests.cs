using System;
using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading;
using ShmGen.TopicPeer;

namespace ShmGen.Topic.Tests;

/// <summary>Publishers and subscribers in separate processes.</summary>
public sealed partial class TopicProcessTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(3);

    [Fact]
    public void ThreeSubscribersSeeAMillionItemsInOrder()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = TickTopic.Create(TestScope.Options(name));
        var subscribers = new Peer[3];
        for (var i = 0; i < subscribers.Length; i++)
        {
            subscribers[i] = scope.Start("subscribe", $"topic={name}", "publishers=1", "count=1000000", "strict=1");
            subscribers[i].Expect("subscribed", TimeSpan.FromSeconds(30));
        }

        var publisher = scope.Start("publish", $"topic={name}", "publisher=0", "count=1000000");
        publisher.ExpectSuccess(Long);
        foreach (var subscriber in subscribers)
        {
            Assert.Equal("ok received=1000000 missed=0", subscriber.ExpectSuccess(Long));
        }

        Assert.Equal(1_000_000, topic.NextSequence);
    }

    [Fact]
    public void TwoPublishersReachEverySubscriberInTheirOwnOrder()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = TickTopic.Create(TestScope.Options(name));
        var subscribers = new Peer[2];
        for (var i = 0; i < subscribers.Length; i++)
        {
            subscribers[i] = scope.Start("subscribe", $"topic={name}", "publishers=2", "count=200000", "strict=1");
            subscribers[i].Expect("subscribed", TimeSpan.FromSeconds(30));
        }

        var publishers = new[]
        {
            scope.Start("publish", $"topic={name}", "publisher=0", "count=200000"),
            scope.Start("publish", $"topic={name}", "publisher=1", "count=200000"),
        };
        foreach (var publisher in publishers)
        {
            publisher.ExpectSuccess(Long);
        }

        foreach (var subscriber in subscribers)
        {
            Assert.Equal("ok received=400000 missed=0", subscriber.ExpectSuccess(Long));
        }

        Assert.Equal(400_000, topic.NextSequence);
    }

    [Fact]
    public void ASlowSubscriberCountsWhatItMissedAndNeverSeesATornItem()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = SmallTickTopic.Create(TestScope.Options(name));
        const int count = 300_000;
        var subscriber = scope.Start("subscribe", "small=1", $"topic={name}", "publishers=1", $"count={count}", "pause=1", "every=5");
        subscriber.Expect("subscribed", TimeSpan.FromSeconds(30));
        var publishers = new[]
        {
            scope.Start("publish", "small=1", $"topic={name}", "publisher=0", $"count={count}"),
        };
        publishers[0].ExpectSuccess(Long);
        var result = subscriber.ExpectSuccess(Long);
        var match = ResultPattern().Match(result ?? string.Empty);
        Assert.True(match.Success, result);
        var received = long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var missed = long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(missed > 0, result);

        // It subscribed before the first item: every sequence number was either received or counted as missed.
        Assert.Equal(count, received + missed);
    }

    [Fact]
    public void AHostilePeerScribblingOverTheTopicCrashesNothingAndEveryWaitKeepsItsDeadline()
    {
        using var scope = new TestScope();
        var name = scope.NewName();
        using var topic = SmallTickTopic.Create(TestScope.Options(name));
        using var subscriber = topic.Subscribe();
        var hostile = scope.Start("scribble", $"topic={name}", "seconds=3");
        hostile.Expect("scribbling", TimeSpan.FromSeconds(30));
        var until = Stopwatch.GetTimestamp() + (3 * Stopwatch.Frequency);
        var publishes = 0L;
        var publisherThread = new Thread(() =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                topic.Publish(Items.Small(0, publishes++));
            }
        });
        publisherThread.Start();
        var worst = TimeSpan.Zero;
        while (Stopwatch.GetTimestamp() < until)
        {
            var started = Stopwatch.GetTimestamp();
            subscriber.TryReceive(out _, TimeSpan.FromMilliseconds(20));
            var took = Stopwatch.GetElapsedTime(started);
            worst = took > worst ? took : worst;
        }

        Assert.True(publisherThread.Join(TimeSpan.FromSeconds(10)), "a publisher hung under a hostile peer");
        hostile.ExpectSuccess(TimeSpan.FromSeconds(30));

        // The deadline plus scheduling noise on a shared two-core machine, never an unbounded wait.
        Assert.True(worst < TimeSpan.FromSeconds(1), $"a 20 ms TryReceive took {worst}");
        Assert.True(publishes > 0);

        // Nothing a peer wrote lets a wait run past its deadline, even with nothing published.
        var quiet = Stopwatch.GetTimestamp();
        using var late = topic.Subscribe();
        late.TryReceive(out _, TimeSpan.FromMilliseconds(100));
        Assert.True(Stopwatch.GetElapsedTime(quiet) < TimeSpan.FromSeconds(1));
    }

    [GeneratedRegex("^ok received=([0-9]+) missed=([0-9]+)$")]
    private static partial Regex ResultPattern();
}
